"""e-Rad style exchange: every export comes back through its import unchanged, in UTF-8 and in
Shift_JIS; bad rows are reported by line and column and nothing is half-imported."""

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import BudgetLine, Proposal, ProposalState, TeamMember
from kikin.calls.services import save_draft, submit_proposal
from kikin.exchange import csvio
from kikin.exchange.selectors import export_rows
from kikin.exchange.services import ImportRefused, import_file
from kikin.review import services as review
from kikin.review.models import Decision
from tests import factories as f

pytestmark = pytest.mark.django_db


def export(user, kind, encoding="utf-8") -> bytes:
    headers, rows = export_rows(user, kind)
    return csvio.write(headers, rows, encoding)


def table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csvio.decode(data))))


@pytest.fixture
def world(plan):
    call = f.open_call(plan, themes=("1-a1", "2-d1"))
    org = f.organisation()
    org.corporate_number = "7000012050002"
    org.save()
    applicant = f.applicant(org)
    p1 = f.complete_proposal(applicant, call, title='=HYPERLINK("x") 仮想化コア')
    p2 = f.complete_proposal(applicant, call, title="髙橋・﨑 の計画")
    save_draft(
        actor=applicant,
        proposal=p2,
        fields={"abstract": "複数行の\n概要, カンマ付き", "language": "ja"},
        team=[
            {
                "name": "研究 太郎",
                "researcher_number": "12345678",
                "affiliation": org.name_ja,
                "role": "代表",
                "is_lead": True,
            },
            {
                "name": "分担 花子",
                "researcher_number": "",
                "affiliation": "架空大学",
                "role": "'分担",
                "is_lead": False,
            },
        ],
    )
    return {"call": call, "org": org, "applicant": applicant, "proposals": [p1, p2]}


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
@pytest.mark.parametrize("kind", ["proposals", "members", "budgets"])
def test_every_export_comes_back_through_its_import_unchanged(world, kind, encoding):
    user = world["applicant"]
    first = export(user, kind, encoding)
    if encoding == "utf-8":
        assert first.startswith(b"\xef\xbb\xbf")
    else:
        first.decode("cp932")  # really Shift_JIS
    audit_before = AuditRecord.objects.count()
    result = import_file(actor=user, kind=kind, data=first)
    assert result.rows == len(table(first)) - 1 and result.created == 0
    assert export(user, kind, encoding) == first
    assert AuditRecord.objects.filter(action="exchange.import").count() == 1
    assert AuditRecord.objects.count() > audit_before


def test_proposals_without_ids_become_new_drafts_with_the_same_content(world):
    user = world["applicant"]
    rows = table(export(user, "proposals"))
    id_col = rows[0].index("提案ID")
    for r in rows[1:]:
        r[id_col] = ""
    data = csvio.write(rows[0], rows[1:], "cp932")
    before = set(Proposal.objects.values_list("pk", flat=True))
    result = import_file(actor=user, kind="proposals", data=data)
    assert result.created == 2
    new = Proposal.objects.exclude(pk__in=before).order_by("pk")
    assert [p.title for p in new] == [p.title for p in world["proposals"]]
    assert new[0].title.startswith("=HYPERLINK")  # the guard apostrophe is gone again
    assert all(p.state == ProposalState.DRAFT for p in new)
    again = table(export(user, "proposals"))
    skip = {rows[0].index(h) for h in ("提案ID",)}
    strip = lambda r: [c for i, c in enumerate(r) if i not in skip]  # noqa: E731
    assert [strip(r) for r in again[3:]] == [strip(r) for r in rows[1:]]


def test_a_formula_is_written_as_text_and_read_back_as_written(world):
    rows = table(export(world["applicant"], "proposals"))
    title = rows[1][rows[0].index("課題名")]
    assert title.startswith("'=HYPERLINK")
    members = table(export(world["applicant"], "members"))
    assert [r[members[0].index("役割")] for r in members[1:] if r[2] == "分担 花子"] == ["''分担"]


def test_adoptions_round_trip(world, plan):
    applicant = world["applicant"]
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    for p in world["proposals"]:
        submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    f.close_call(world["proposals"][0].call)  # the committee decides after the deadline
    for p in world["proposals"]:
        p.refresh_from_db()
        if p.theme.item.first_review:
            review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
        reviewer = f.reviewer()
        a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
        review.save_review(  # and on the second review
            actor=reviewer,
            assignment=a,
            scores=dict.fromkeys([c.code for c in review.ensure_criteria(call=p.call)], 4),
            comment="良い",
            recommendation="adopt",
            submit=True,
        )
    p1, p2 = world["proposals"]
    with transaction.atomic():
        review.record_decision(actor=agency, proposal=p1, outcome="adopt", reason="優れている")
        review.record_decision(
            actor=agency,
            proposal=p2,
            outcome="conditions",
            reason="条件付きで",
            conditions="③として",
            adopted_as_item=3,
        )
        first = export(agency, "adoptions", "cp932")
        transaction.set_rollback(True)
    assert not Decision.objects.exists()
    rows = table(first)
    assert [r[rows[0].index("判定")] for r in rows[1:]] == ["採択", "条件付採択"]
    result = import_file(actor=agency, kind="adoptions", data=first)
    assert result.created == 2
    assert export(agency, "adoptions", "cp932") == first
    assert Decision.objects.get(proposal=p2).adopted_as_item == 3
    # the ministry reads it; an applicant may not
    assert export(ministry, "adoptions") == export(agency, "adoptions")


def _refused(user, kind, text, encoding="utf-8"):
    with pytest.raises(ImportRefused) as exc:
        import_file(actor=user, kind=kind, data=text.encode(encoding))
    return [(e.line, e.column, e.message) for e in exc.value.errors]


def _counts():
    return (
        Proposal.objects.count(),
        BudgetLine.objects.count(),
        TeamMember.objects.count(),
        AuditRecord.objects.count(),
    )


def test_bad_cells_are_reported_by_line_and_column_and_nothing_changes(world):
    user = world["applicant"]
    p1, p2 = world["proposals"]
    before = _counts()
    errors = _refused(
        user,
        "budgets",
        "提案ID,年度,申請額(円),対象経費(円)\n"
        f"{p1.pk},2030,1000,\n"
        f"{p1.pk},令和9年度,-5,\n"  # line 3: negative
        f"{p1.pk},2031,1.5,x\n"  # line 4: decimals, text
        f"{p2.pk},,100,\n",  # line 5: no year
    )
    assert {(e[0], e[1]) for e in errors} == {
        (3, "申請額(円)"),
        (4, "申請額(円)"),
        (4, "対象経費(円)"),
        (5, "年度"),
    }
    assert _counts() == before


def test_rows_refused_by_the_services_roll_back_the_rows_that_passed(world):
    user = world["applicant"]
    p1, p2 = world["proposals"]
    before_lines = list(
        BudgetLine.objects.filter(proposal=p1).values_list("fiscal_year", flat=True)
    )
    before = _counts()
    errors = _refused(
        user,
        "budgets",
        "提案ID,年度,申請額(円)\n"
        f"{p1.pk},2030,1000\n"  # fine on its own
        f"{p2.pk},2030,1000\n"
        f"{p2.pk},2030,2000\n"  # line 4: the year repeats line 3
        "999999,2030,1\n",  # line 5: not a proposal of theirs
    )
    assert (4, "年度") in {(e[0], e[1]) for e in errors}
    assert (5, "提案ID") in {(e[0], e[1]) for e in errors}
    assert _counts() == before
    assert (
        list(BudgetLine.objects.filter(proposal=p1).values_list("fiscal_year", flat=True))
        == before_lines
    )


def test_identifiers_are_checked(world):
    user = world["applicant"]
    p1 = world["proposals"][0]
    errors = _refused(
        user,
        "members",
        "提案ID,氏名,研究者番号,研究代表者\n"
        f"{p1.pk},研究 太郎,1234567,○\n"
        f"{p1.pk},研究 次郎,１２３４５６７８,○\n",
    )
    assert (2, "研究者番号") in {(e[0], e[1]) for e in errors}  # 7 digits
    assert any(e[1] == "研究代表者" for e in errors)  # two principal investigators
    rows = table(export(user, "proposals"))
    corp = rows[0].index("法人番号")
    rows[1][corp] = "1000012050002"  # a wrong check digit
    rows[2][corp] = "1234567890128"  # valid, but another organisation's
    errors = _refused(
        user, "proposals", csvio.write(rows[0], rows[1:], "utf-8").decode("utf-8-sig")
    )
    assert [(e[0], e[1]) for e in errors] == [(2, "法人番号"), (3, "法人番号")]
    assert "check digit" in errors[0][2] or "検査" in errors[0][2]


def test_full_width_researcher_numbers_are_read_as_digits(world):
    user = world["applicant"]
    p1 = world["proposals"][0]
    import_file(
        actor=user,
        kind="members",
        data=f"提案ID,氏名,研究者番号,研究代表者\n{p1.pk},研究 次郎,１２３４５６７８,○\n".encode(
            "cp932"
        ),
    )
    assert TeamMember.objects.get(proposal=p1).researcher_number == "12345678"


def test_headers_are_checked_before_any_row(world):
    user = world["applicant"]
    errors = _refused(user, "budgets", "提案ID,年度,金額\n1,2030,5\n")
    messages = " ".join(e[2] for e in errors)
    assert all(e[0] == 1 for e in errors)
    assert "金額" in messages and "申請額(円)" in messages
    assert _refused(user, "budgets", "")[0][0] == 1
    assert _refused(user, "budgets", "提案ID,年度,申請額(円)\n")[0][2]
    # bytes that are neither UTF-8 nor Shift_JIS
    with pytest.raises(ImportRefused) as exc:
        import_file(actor=user, kind="budgets", data=b"\x81\x00\xff\xfe")
    assert exc.value.errors[0].line == 1


def test_english_headers_and_messages(world, settings):
    from django.utils import translation

    user = world["applicant"]
    p1 = world["proposals"][0]
    with translation.override("en"):
        errors = _refused(
            user, "budgets", f"Proposal ID,Fiscal year,Requested (yen)\n{p1.pk},FY,10\n"
        )
    assert errors == [(2, "Fiscal year", "a fiscal year such as 2025 or 令和7年度")]


def test_a_character_shift_jis_lacks_is_refused_naming_where(world):
    user = world["applicant"]
    save_draft(actor=user, proposal=world["proposals"][0], fields={"title": "𠮷野家の計画"})
    with pytest.raises(csvio.Unencodable) as exc:
        export(user, "proposals", "cp932")
    assert exc.value.column == "課題名" and exc.value.char == "𠮷"
    assert "𠮷野家" in export(user, "proposals", "utf-8").decode("utf-8-sig")


def test_who_may_exchange_what(world, client):
    applicant = world["applicant"]
    other = f.applicant()
    p1 = world["proposals"][0]
    # another organisation's applicant sees none of these rows and cannot write them
    assert len(table(export(other, "proposals"))) == 1
    errors = _refused(other, "budgets", f"提案ID,年度,申請額(円)\n{p1.pk},2030,1\n")
    assert errors[0][:2] == (2, "提案ID")
    reviewer = f.reviewer()
    with pytest.raises(Exception) as exc:
        import_file(actor=reviewer, kind="budgets", data=b"x")
    assert type(exc.value).__name__ == "PermissionDenied"
    client.force_login(applicant)
    assert client.get(reverse("exchange:export", args=["adoptions"])).status_code == 404
    assert client.get(reverse("exchange:export", args=["nothing"])).status_code == 404
    r = client.get(reverse("exchange:export", args=["proposals"]), {"encoding": "cp932"})
    assert r.status_code == 200 and "shift_jis" in r["Content-Type"]
    assert "attachment" in r["Content-Disposition"]
    assert (
        client.get(reverse("exchange:export", args=["proposals"]), {"encoding": "x"}).status_code
        == 400
    )
    client.logout()
    assert client.get(reverse("exchange:home")).status_code == 302


def test_the_page_queues_the_import_and_reports_problems_by_line(world, client):
    from kikin.exchange.jobs import IMPORT
    from kikin.jobs.models import Job

    applicant = world["applicant"]
    p1 = world["proposals"][0]
    client.force_login(applicant)
    page = client.get(reverse("exchange:home"))
    assert page.status_code == 200 and "提案予算" in page.content.decode()
    good = io.BytesIO(f"提案ID,年度,申請額(円)\n{p1.pk},2029,5000\n".encode("cp932"))
    good.name = "budgets.csv"
    r = client.post(
        reverse("exchange:import", args=["budgets"]), {"file": good, "encoding": "auto"}
    )
    job = Job.objects.filter(kind=IMPORT).latest("pk")
    assert r.status_code == 302 and r["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.state == "done" and job.result["created"] == 0 and job.result["updated"] == 1
    assert list(BudgetLine.objects.filter(proposal=p1).values_list("requested_yen", flat=True)) == [
        5000
    ]
    bad = io.BytesIO(f"提案ID,年度,申請額(円)\n{p1.pk},2029,-1\n".encode())
    bad.name = "budgets.csv"
    client.post(reverse("exchange:import", args=["budgets"]), {"file": bad})
    job = Job.objects.filter(kind=IMPORT).latest("pk")
    assert job.result["refused"] is True
    html = client.get(job.result["url"]).content.decode()
    assert 'data-line="2"' in html and "申請額(円)" in html
    # the report is the requester's: another user is answered 404
    client.force_login(f.applicant())
    assert client.get(job.result["url"]).status_code == 404
    client.force_login(applicant)
    r = client.post(reverse("exchange:import", args=["adoptions"]), {"file": bad})
    assert r.status_code == 404
    r = client.post(reverse("exchange:import", args=["budgets"]), {})
    assert r.status_code == 400
