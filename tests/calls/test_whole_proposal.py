"""A submitted proposal shows all of itself to those who may read it (files, team, partners, the
technology-leakage plan and every field of the submitted version), never to a conflicted
reviewer; files are downloaded under permission and audited; a draft's file can be removed; a
refused save shows again what was typed."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import Attachment
from kikin.calls.services import add_attachment, remove_attachment, save_draft, submit_proposal
from kikin.review import services as review
from tests import factories as f
from tests.security.files import tiny_pdf

pytestmark = pytest.mark.django_db

PARTNER = "協力国立大学法人"
LEAKAGE = "開発環境は社内ネットワークに限定し、二要素認証で管理する。"
CONTINUATION = "実証後は自社で事業化を続ける。"


def _pdf(name="計画書.pdf", text="kikin"):
    return SimpleUploadedFile(name, tiny_pdf(text), content_type="application/pdf")


@pytest.fixture
def world(plan, settings, tmp_path):
    """A proposal with a file, a partner and a leakage plan, submitted, past the first review,
    with a reviewer assigned."""
    settings.MEDIA_ROOT = tmp_path
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(
        applicant,
        call,
        continuation_plan=CONTINUATION,
        partners=[{"name": PARTNER, "special_capability": "計測技術"}],
    )
    attachment = add_attachment(actor=applicant, proposal=p, uploaded=_pdf())
    submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    reviewer = f.reviewer()
    if p.theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    assignment = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    p.refresh_from_db()
    return {
        "proposal": p,
        "attachment": attachment,
        "applicant": applicant,
        "ministry": ministry,
        "agency": agency,
        "reviewer": reviewer,
        "assignment": assignment,
    }


def _assert_whole(html: str, w) -> None:
    p, a = w["proposal"], w["attachment"]
    assert reverse("calls:attachment_download", args=[p.pk, a.pk]) in html
    assert "計画書.pdf" in html
    assert "研究 太郎" in html  # the team
    assert PARTNER in html and "計測技術" in html  # the partners
    assert LEAKAGE in html  # the technology-leakage plan
    assert "再委託先と秘密保持契約を結び" in html
    assert CONTINUATION in html  # a field no page showed before
    assert 'data-field="period_months"' in html and ">36<" in html
    assert p.abstract in html and p.plan in html


def test_applicant_officers_and_the_reviewer_see_the_whole_submitted_proposal(world, client):
    p = world["proposal"]
    detail = reverse("calls:proposal_detail", args=[p.pk])
    for who in ("applicant", "agency", "ministry", "reviewer"):
        client.force_login(world[who])
        response = client.get(detail)
        assert response.status_code == 200, who
        _assert_whole(response.content.decode(), world)
    client.force_login(world["reviewer"])
    page = client.get(reverse("review:review_form", args=[world["assignment"].pk]))
    assert page.status_code == 200
    _assert_whole(page.content.decode(), world)


def test_the_page_shows_the_submitted_version_not_the_working_copy(world, client):
    p, applicant = world["proposal"], world["applicant"]
    # The first review is past: the working copy is frozen for the applicant; change it as the
    # database would have it to see which one the page reads.
    type(p).objects.filter(pk=p.pk).update(leakage_access_control="後から書き換えた内容")
    p.team.update(name="差し替え 花子")
    for who in ("agency", "reviewer"):
        client.force_login(world[who])
        html = client.get(reverse("calls:proposal_detail", args=[p.pk])).content.decode()
        assert LEAKAGE in html and "後から書き換えた内容" not in html
        assert "研究 太郎" in html and "差し替え 花子" not in html
    client.force_login(applicant)  # the proposer's own page reads the same version
    assert LEAKAGE in client.get(reverse("calls:proposal_detail", args=[p.pk])).content.decode()


def test_a_conflicted_reviewer_gets_none_of_it(world, client):
    p, reviewer, a = world["proposal"], world["reviewer"], world["attachment"]
    # A conflict found after the assignment: the reviewer's organisation turns out to be the
    # proposer (the same name, kikin.review.conflicts).
    org = reviewer.organisation
    org.name_ja, org.name_en = p.organisation.name_ja, p.organisation.name_en
    org.save()
    client.force_login(reviewer)
    assert client.get(reverse("calls:proposal_detail", args=[p.pk])).status_code == 404
    assert (
        client.get(reverse("review:review_form", args=[world["assignment"].pk])).status_code == 404
    )
    download = client.get(reverse("calls:attachment_download", args=[p.pk, a.pk]))
    assert download.status_code == 404
    assert not AuditRecord.objects.filter(
        action="proposal.attachment_download", actor=reviewer
    ).exists()


def test_a_declared_conflict_closes_the_proposal_to_the_reviewer(world, client):
    p, reviewer = world["proposal"], world["reviewer"]
    review.declare_conflict(actor=reviewer, reviewer=reviewer, proposal=p, reason="共同研究者")
    client.force_login(reviewer)
    assert client.get(reverse("calls:proposal_detail", args=[p.pk])).status_code == 404
    url = reverse("calls:attachment_download", args=[p.pk, world["attachment"].pk])
    assert client.get(url).status_code == 404


def test_each_download_is_checked_and_audited(world, client):
    p, a = world["proposal"], world["attachment"]
    url = reverse("calls:attachment_download", args=[p.pk, a.pk])
    for who in ("agency", "reviewer", "applicant"):
        client.force_login(world[who])
        response = client.get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        row = AuditRecord.objects.filter(
            action="proposal.attachment_download", actor=world[who]
        ).get()
        assert row.object_id == str(p.pk) and row.after["file"] == "計画書.pdf"
    outsider = f.applicant()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert not AuditRecord.objects.filter(
        action="proposal.attachment_download", actor=outsider
    ).exists()


def test_staff_read_only_the_files_of_a_submitted_version(plan, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    p.refresh_from_db()
    later = add_attachment(actor=applicant, proposal=p, uploaded=_pdf("追加資料.pdf", "more"))
    url = reverse("calls:attachment_download", args=[p.pk, later.pk])
    client.force_login(f.user(Role.AGENCY))
    assert client.get(url).status_code == 404  # not submitted: the working copy's file
    assert (
        "追加資料.pdf"
        not in client.get(reverse("calls:proposal_detail", args=[p.pk])).content.decode()
    )
    client.force_login(applicant)
    assert client.get(url).status_code == 200


def test_a_drafts_file_can_be_removed_and_is_deleted_once_committed(
    plan, settings, tmp_path, client, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    a = add_attachment(actor=applicant, proposal=p, uploaded=_pdf())
    stored = a.file.name
    client.force_login(applicant)
    form = client.get(reverse("calls:proposal_edit", args=[p.pk])).content.decode()
    remove_url = reverse("calls:attachment_remove", args=[p.pk, a.pk])
    assert remove_url in form and "data-confirm=" in form
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(remove_url)
        assert default_storage.exists(stored)  # nothing is deleted before the commit
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=a.pk).exists()
    for callback in callbacks:
        callback()
    assert not default_storage.exists(stored)
    record = AuditRecord.objects.get(action="proposal.detach", object_id=str(p.pk))
    assert record.actor == applicant and record.before["file"] == "計画書.pdf"


def test_removing_is_refused_after_submission_and_for_anyone_else(world, client):
    p, a, applicant = world["proposal"], world["attachment"], world["applicant"]
    url = reverse("calls:attachment_remove", args=[p.pk, a.pk])
    for who in ("applicant", "agency", "reviewer"):
        client.force_login(world[who])
        client.post(url)
        assert Attachment.objects.filter(pk=a.pk).exists(), who
        assert default_storage.exists(a.file.name)
    client.force_login(f.applicant())
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        remove_attachment(actor=applicant, attachment=a)
    assert not AuditRecord.objects.filter(action="proposal.detach").exists()


def test_a_submitted_file_stays_while_a_new_version_is_prepared(plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submitted = add_attachment(actor=applicant, proposal=p, uploaded=_pdf())
    submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    p.refresh_from_db()
    added = add_attachment(actor=applicant, proposal=p, uploaded=_pdf("差替.pdf", "new"))
    with pytest.raises(PermissionDenied):
        remove_attachment(actor=applicant, attachment=submitted)
    remove_attachment(actor=applicant, attachment=added)  # not yet submitted: may go
    assert list(p.attachments.values_list("original_name", flat=True)) == ["計画書.pdf"]
    with pytest.raises(PermissionDenied):
        remove_attachment(actor=f.applicant(), attachment=submitted)


def _typed(p, **over):
    start = p.start_date
    data = {
        "title": "入力した題名",
        "abstract": p.abstract,
        "plan": p.plan,
        "language": "ja",
        "start_date": start.isoformat(),
        "period_months": "四十八か月",  # refused: not a number
        "set_value": "2.5",
        "budget_fy": [str(start.year), str(start.year + 1), "1999", "", "", ""],
        "budget_requested": ["111111111", "222222222", "333333333", "", "", ""],
        "budget_eligible": ["111111111", "222222222", "", "", "", ""],
        "team_name": ["入力 一郎", "入力 二郎", ""],
        "team_researcher_number": ["", "", ""],
        "team_affiliation": ["入力大学", "", ""],
        "team_role": ["代表", "分担", ""],
        "team_lead": "1",
        "partner_name": ["入力協力社", ""],
        "partner_country": ["US", "JP"],
        "partner_relation": ["independent", "independent"],
        "partner_role": ["adviser", "joint"],
        "partner_capability": ["特殊計測", ""],
        "partner_corporate_number": ["", ""],
        "leakage_core_technologies": "入力した中核技術",
        "leakage_access_control": "b",
        "leakage_staff_management": "c",
        "leakage_partner_controls": "d",
    }
    data.update(over)
    return data


def test_a_refused_save_keeps_what_was_typed_with_each_error_by_its_field(plan, client):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    saved = list(p.budget_lines.values_list("fiscal_year", "requested_yen"))
    client.force_login(applicant)
    response = client.post(
        reverse("calls:proposal_edit", args=[p.pk]), _typed(p), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    for typed in ("111111111", "222222222", "333333333", "1999", "四十八か月", "入力した題名"):
        assert f'value="{typed}"' in html, typed
    assert "入力 一郎" in html and "入力 二郎" in html and "入力大学" in html
    leads = re.findall(r'<input type="radio" name="team_lead"[^>]*>', html)
    assert [lead for lead in leads if "checked" in lead] == [leads[1]] and 'value="1"' in leads[1]
    assert 'value="入力協力社"' in html and 'value="US"' in html and 'value="特殊計測"' in html
    assert '<option value="adviser" selected>' in html
    assert "入力した中核技術" in html
    # Each error beside its field, named by its label in the user's language.
    assert 'id="error-period_months"' in html and "Period (months):" in html
    assert 'data-field="budget.3"' in html and "Row 3" in html
    # Nothing of the refused save is kept.
    p.refresh_from_db()
    assert p.title != "入力した題名" and p.period_months == 36
    assert list(p.budget_lines.values_list("fiscal_year", "requested_yen")) == saved


def test_a_save_refused_by_the_service_keeps_the_typed_rows_and_names_the_row(plan, client):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    start = p.start_date
    client.force_login(applicant)
    data = _typed(
        p,
        period_months="40",
        # Row 3 is left blank; row 4 lies beyond the program's life: the service refuses it.
        budget_fy=[str(start.year), str(start.year + 1), "", "2099", "", ""],
        budget_requested=["111111111", "222222222", "", "444444444", "", ""],
    )
    response = client.post(reverse("calls:proposal_edit", args=[p.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    for typed in ("111111111", "222222222", "2099", "444444444", "40"):
        assert f'value="{typed}"' in html, typed
    # Japanese by default: the label of the row, with the row number of the form (4, not 3).
    assert 'data-field="budget.4"' in html
    assert "会計年度" in html or "年度" in html
    p.refresh_from_db()
    assert p.period_months == 36 and not p.budget_lines.filter(fiscal_year=2099).exists()


def test_a_refused_submission_keeps_the_typed_budget(plan, client):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    start = p.start_date
    client.force_login(applicant)
    data = _typed(
        p,
        period_months="36",
        set_value="1.0",  # refused at submission (it must exceed 1.0)
        budget_fy=[str(start.year), str(start.year + 1), str(start.year + 2), "", "", ""],
        budget_requested=["555555555", "666666666", "777777777", "", "", ""],
        budget_eligible=["", "", "", "", "", ""],
        submission_key="refused-1",
    )
    response = client.post(reverse("calls:proposal_submit", args=[p.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    for typed in ("555555555", "666666666", "777777777", "1.0"):
        assert f'value="{typed}"' in html, typed
    p.refresh_from_db()
    assert p.state == "draft" and not p.budget_lines.filter(requested_yen=555555555).exists()


def test_save_draft_still_saves_what_is_valid(plan):
    """The service is unchanged: a good save is kept (the form's re-rendering is the view's)."""
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    save_draft(actor=applicant, proposal=p, fields={"title": "保存した題名"})
    p.refresh_from_db()
    assert p.title == "保存した題名"
