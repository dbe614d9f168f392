import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kikin.calls.models import Proposal, ProposalState, ProposalVersion
from tests import factories as f
from tests.security.files import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(plan, client):
    call = f.open_call(plan, themes=("1-a1",))
    actor = f.applicant()
    client.force_login(actor)
    return call, actor


def _form(p, **over):
    data = {
        "title": p.title,
        "abstract": p.abstract,
        "plan": p.plan,
        "language": "ja",
        "start_date": p.start_date.isoformat(),
        "period_months": "36",
        "set_value": "2.5",
        "budget_fy": [str(b.fiscal_year) for b in p.budget_lines.all()],
        "budget_requested": [str(b.requested_yen) for b in p.budget_lines.all()],
        "budget_eligible": [str(b.eligible_cost_yen) for b in p.budget_lines.all()],
        "team_name": ["研究 太郎"],
        "team_affiliation": ["試験"],
        "team_role": ["PI"],
        "team_lead": "0",
        "leakage_core_technologies": "a",
        "leakage_access_control": "b",
        "leakage_staff_management": "c",
        "leakage_partner_controls": "d",
    }
    data.update(over)
    return data


def test_applicant_starts_a_proposal_from_the_call_page(ready, client):
    call, actor = ready
    page = client.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "proposal_start" not in page and reverse("calls:proposal_start", args=[call.pk]) in page
    theme = call.themes.get()
    response = client.post(reverse("calls:proposal_start", args=[call.pk]), {"theme": theme.pk})
    p = Proposal.objects.get(organisation=actor.organisation)
    assert response.url == reverse("calls:proposal_edit", args=[p.pk])
    form = client.get(response.url).content.decode()
    assert 'name="set_value"' in form and "hx-post" in form


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("ja", ("提案名", "研究開発期間（か月）", "コア重要技術")),
        ("en", ("Title", "Period (months)", "Core important technologies")),
    ],
)
def test_what_stands_before_submitting_is_named_by_its_labels(ready, client, language, labels):
    call, actor = ready
    theme = call.themes.get()
    client.post(reverse("calls:proposal_start", args=[call.pk]), {"theme": theme.pk})
    p = Proposal.objects.get(organisation=actor.organisation)
    html = client.get(
        reverse("calls:proposal_edit", args=[p.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    panel = html.split('class="problems"', 1)[1].split("</ul>", 1)[0]
    named = re.findall(r"<strong>([^<]*)</strong>", panel)
    for label in labels:
        assert label in named, (label, named)
    for key in ("title", "period_months", "leakage_core_technologies", "budget"):
        assert key not in named


def test_autosave_keeps_good_fields_and_names_the_bad_one(ready, client):
    call, actor = ready
    p = f.complete_proposal(actor, call)
    response = client.post(
        reverse("calls:proposal_edit", args=[p.pk]),
        _form(p, title="自動保存された題名", period_months="三十六"),
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="period_months"' in html and "三十六" in html
    p.refresh_from_db()
    assert p.title == "自動保存された題名" and p.period_months == 36


def test_submit_through_the_page_twice_with_one_key_gives_one_receipt(ready, client):
    call, actor = ready
    p = f.complete_proposal(actor, call)
    data = _form(p, submission_key="form-key-1")
    first = client.post(reverse("calls:proposal_submit", args=[p.pk]), data)
    second = client.post(reverse("calls:proposal_submit", args=[p.pk]), data)
    assert first.status_code == second.status_code == 302
    p.refresh_from_db()
    assert p.state == ProposalState.SUBMITTED
    assert ProposalVersion.objects.filter(proposal=p).count() == 1
    detail = client.get(reverse("calls:proposal_detail", args=[p.pk])).content.decode()
    assert p.receipt_number in detail


def test_refused_submission_lists_every_problem(ready, client):
    call, actor = ready
    p = f.complete_proposal(actor, call)
    response = client.post(
        reverse("calls:proposal_submit", args=[p.pk]),
        _form(p, set_value="1.0", submission_key="k"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="set_value"' in html and "1.0" in html
    p.refresh_from_db()
    assert p.state == ProposalState.DRAFT


def test_attachments_accept_pdf_and_refuse_a_renamed_file(ready, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call, actor = ready
    p = f.complete_proposal(actor, call)
    ok = SimpleUploadedFile("計画書.pdf", tiny_pdf(), content_type="application/pdf")
    client.post(reverse("calls:attachment_upload", args=[p.pk]), {"attachment": ok})
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(
        reverse("calls:attachment_upload", args=[p.pk]),
        {"attachment": fake},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert [a.original_name for a in p.attachments.all()] == ["計画書.pdf"]
    assert "virus.pdf" in response.content.decode()
    download = client.get(reverse("calls:attachment_download", args=[p.pk, p.attachments.get().pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "filename*=utf-8''%E8%A8%88%E7%94%BB%E6%9B%B8.pdf" in download["Content-Disposition"]
    other = f.applicant()
    client.force_login(other)
    assert (
        client.get(
            reverse("calls:attachment_download", args=[p.pk, p.attachments.get().pk])
        ).status_code
        == 404
    )


def test_applicant_sees_only_their_organisations_proposals(ready, client):
    call, actor = ready
    mine = f.complete_proposal(actor, call, title="自社の提案")
    f.complete_proposal(f.applicant(), call, title="他社の提案")
    html = client.get(reverse("calls:proposal_list")).content.decode()
    assert "自社の提案" in html and "他社の提案" not in html
    assert mine.title in html


def test_staff_never_see_drafts(ready, client):
    from kikin.accounts.models import Role

    call, actor = ready
    f.complete_proposal(actor, call, title="下書きの提案")
    client.force_login(f.user(Role.AGENCY))
    assert "下書きの提案" not in client.get(reverse("calls:proposal_list")).content.decode()
