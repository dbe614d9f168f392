"""The agency officer's call editor: a call opened and edited in the app (its themes, dates and
documents), through the calls services, audited; what may change once proposals exist; other
roles refused with a sentence; the documents for anyone who may see the call."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import Call, CallDocument
from kikin.core.timeutil import JST
from tests import factories as f
from tests.security.files import html_after_pdf_magic, tiny_pdf

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}
OPENS = dt.datetime(2027, 5, 1, 10, 0, tzinfo=JST)
CLOSES = dt.datetime(2027, 6, 30, 12, 0, tzinfo=JST)


def _local(at: dt.datetime) -> str:
    return at.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def _form(themes, **over):
    data = {
        "key": "2027-05",
        "title_ja": "令和9年度第1回公募",
        "title_en": "FY2027 first call",
        "themes": [t.pk for t in themes],
        "opens_at": _local(OPENS),
        "closes_at": _local(CLOSES),
        "reviews_due_at": "",
        "budget_total_yen": "12,000,000,000円",
        "cycle": "1",
        "note_ja": "説明会は5月10日。",
        "note_en": "",
        "peer_reviews": "after_own",
    }
    data.update(over)
    return data


@pytest.fixture
def officer(plan, client):
    user = f.user(Role.AGENCY)
    client.force_login(user)
    return user


def _records(action):
    return AuditRecord.objects.filter(action=action).count()


def test_the_officer_finds_the_editor_from_the_calls_list_and_the_home(officer, client):
    calls = client.get(reverse("calls:list")).content.decode()
    assert reverse("calls:new") in calls
    home = client.get(reverse("home")).content.decode()
    assert reverse("calls:new") in home
    programs = client.get(reverse("calls:new")).content.decode()
    assert reverse("calls:create", args=["post5g"]) in programs


def test_the_officer_opens_a_call_with_its_themes_and_dates(officer, client, plan):
    a1, b = f.theme("1-a1"), f.theme("4-b")
    url = reverse("calls:create", args=["post5g"])
    page = client.get(url, **EN).content.decode()
    # the themes of the program's plan, with the plan revision in force on the opening day
    assert f'value="{a1.pk}"' in page and f'value="{b.pk}"' in page
    assert 'id="plan-revision"' in page and "Plan revision in force on" in page
    response = client.post(url, _form([a1, b], reviews_due_at="2027-07-31T17:00"))
    call = Call.objects.get(program=plan, key="2027-05")
    assert response.status_code == 302 and response.url == reverse("calls:edit", args=[call.pk])
    assert set(call.themes.all()) == {a1, b}
    assert (call.opens_at, call.closes_at) == (OPENS, CLOSES)
    assert call.reviews_due_at == dt.datetime(2027, 7, 31, 17, 0, tzinfo=JST)
    assert call.budget_total_yen == 12_000_000_000 and call.cycle == 1
    record = AuditRecord.objects.get(action="call.create")
    assert record.actor == officer and record.after["themes"] == sorted([a1.pk, b.pk])


def test_dates_out_of_order_or_outside_the_program_are_refused_naming_the_field(
    officer, client, plan
):
    a1 = f.theme("1-a1")
    url = reverse("calls:create", args=["post5g"])
    bad = _form(
        [a1],
        opens_at="2019-04-01T10:00",  # before the program (2020-04-13)
        closes_at="2019-03-01T10:00",  # before the opening
        reviews_due_at="2019-02-01T10:00",  # before the deadline
    )
    response = client.post(url, bad, **EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Opens (JST): 2019-04-01 is outside the program&#x27;s life (2020-04-13 – 2030-03-31)."
        in page
    )
    assert "Deadline (JST): A call must close after it opens." in page
    assert "Reviews due (JST): Reviews are due after the deadline" in page
    assert 'value="2019-04-01T10:00"' in page  # what was typed is shown again
    assert not Call.objects.filter(key="2027-05").exists() and _records("call.create") == 0

    late = _form([a1], reviews_due_at="2027-09-01T10:00")  # past the 55-day limit (08-24)
    page = client.post(url, late, **JA).content.decode()
    assert "審査の締切（JST）：審査の締切は遅くとも2027-08-24までです。" in page
    assert not Call.objects.filter(key="2027-05").exists()

    past_end = _form([a1], closes_at="2030-04-01T12:00")
    page = client.post(url, past_end, **JA).content.decode()
    assert (
        "公募締切（JST）：2030-04-01は事業の実施期間（2020-04-13〜2030-03-31）の範囲外です。"
        in page
    )


def test_a_call_without_a_theme_or_a_title_is_refused_in_japanese(officer, client):
    url = reverse("calls:create", args=["post5g"])
    calls = Call.objects.count()
    response = client.post(url, _form([], title_ja=""), **JA)
    assert response.status_code == 400
    page = response.content.decode()
    assert "開発テーマ：テーマを1つ以上選んでください。" in page
    assert "題名（日本語）：" in page
    assert Call.objects.count() == calls


def test_other_roles_are_refused_with_a_sentence(plan, client):
    call = f.open_call(plan)
    calls = Call.objects.count()
    for role in (Role.APPLICANT, Role.REVIEWER, Role.MINISTRY):
        user = f.applicant() if role == Role.APPLICANT else f.user(role)
        client.force_login(user)
        for url in (
            reverse("calls:new"),
            reverse("calls:create", args=["post5g"]),
            reverse("calls:edit", args=[call.pk]),
        ):
            response = client.get(url, **EN)
            assert response.status_code == 403, (role, url)
            assert "Only the agency&#x27;s program officers open and edit calls." in (
                response.content.decode()
            )
        response = client.post(
            reverse("calls:create", args=["post5g"]), _form([f.theme("1-a1")]), **JA
        )
        assert response.status_code == 403
        assert "公募の作成と編集は、機関のプログラムオフィサーだけが行えます。" in (
            response.content.decode()
        )
        document = {
            "kind": "guidelines",
            "title_ja": "公募要領",
            "document": SimpleUploadedFile("x.pdf", tiny_pdf()),
        }
        assert (
            client.post(reverse("calls:document_add", args=[call.pk]), document).status_code == 403
        )
    assert Call.objects.count() == calls and not CallDocument.objects.exists()
    client.logout()
    assert client.get(reverse("calls:new")).status_code == 302  # to the sign-in page


def _call_with_a_proposal(plan):
    call = f.open_call(plan, themes=("1-a1", "4-b"))
    f.complete_proposal(f.applicant(), call, "1-a1")
    return call


def _edit(call, **over):
    data = _form(
        list(call.themes.all()),
        opens_at=_local(call.opens_at),
        closes_at=_local(call.closes_at),
        title_ja=call.title_ja,
        title_en=call.title_en,
        budget_total_yen=str(call.budget_total_yen),
    )
    data.pop("key")
    data.update(over)
    return data


def test_once_proposals_exist_the_deadline_may_be_extended_only(officer, client, plan):
    call = _call_with_a_proposal(plan)
    url = reverse("calls:edit", args=[call.pk])
    page = client.get(url, **EN).content.decode()
    assert 'id="limits"' in page and "the opening stays as it is" in page

    earlier = _edit(call, closes_at=_local(call.closes_at - dt.timedelta(days=1)))
    page = client.post(url, earlier, **EN).content.decode()
    assert "may be extended, not brought forward" in page
    moved = _edit(call, opens_at=_local(call.opens_at + dt.timedelta(hours=1)))
    page = client.post(url, moved, **EN).content.decode()
    assert "Opens (JST): Proposals have been started under this call" in page
    call.refresh_from_db()
    before = call.closes_at
    assert _records("call.update") == 0

    later = _edit(call, closes_at=_local(call.closes_at + dt.timedelta(days=7)))
    assert client.post(url, later).status_code == 302
    call.refresh_from_db()
    assert (
        call.closes_at.astimezone(JST).date()
        == (before + dt.timedelta(days=7)).astimezone(JST).date()
    )
    assert _records("call.update") == 1


def test_the_form_sent_back_unchanged_keeps_the_stored_seconds(officer, client, plan):
    call = _call_with_a_proposal(plan)
    stored = call.closes_at
    assert stored.second or stored.microsecond  # the factory's deadline is not on the minute
    url = reverse("calls:edit", args=[call.pk])
    response = client.post(url, _edit(call, budget_total_yen="20000000000"))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.closes_at == stored and call.budget_total_yen == 20_000_000_000


def test_a_theme_with_proposals_stays_on_the_call(officer, client, plan):
    call = _call_with_a_proposal(plan)
    url = reverse("calls:edit", args=[call.pk])
    a1, b = f.theme("1-a1"), f.theme("4-b")
    page = client.post(url, _edit(call, themes=[b.pk]), **EN).content.decode()
    assert "Themes: ①(a1): a theme that has proposals cannot be taken off the call." in page
    assert set(call.themes.all()) == {a1, b}
    page = client.post(url, _edit(call, themes=[b.pk]), **JA).content.decode()
    assert "開発テーマ：①(a1)：提案のあるテーマは公募から外せません。" in page
    # a theme without proposals may go
    assert client.post(url, _edit(call, themes=[a1.pk])).status_code == 302
    assert list(call.themes.all()) == [a1]


def test_a_closed_call_with_proposals_keeps_its_deadline(officer, client, plan, settings):
    call = _call_with_a_proposal(plan)
    settings.KIKIN_TODAY = (call.closes_at + dt.timedelta(days=2)).isoformat()
    url = reverse("calls:edit", args=[call.pk])
    later = _edit(call, closes_at=_local(call.closes_at + dt.timedelta(days=7)))
    page = client.post(url, later, **EN).content.decode()
    assert "with proposals: its deadline can no longer be changed." in page
    # the review deadline may still be set
    due = call.closes_at + dt.timedelta(days=20)
    response = client.post(url, _edit(call, reviews_due_at=_local(due)))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.reviews_due_at.astimezone(JST).date() == due.astimezone(JST).date()


def test_documents_are_checked_stored_under_generated_names_and_downloadable(officer, client, plan):
    call = f.open_call(plan)
    url = reverse("calls:document_add", args=[call.pk])
    pdf = tiny_pdf("guidelines")
    response = client.post(
        url,
        {
            "kind": "guidelines",
            "title_ja": "公募要領",
            "title_en": "Call guidelines",
            "document": SimpleUploadedFile("公募要領.pdf", pdf, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    document = CallDocument.objects.get(call=call)
    assert document.original_name == "公募要領.pdf" and document.size == len(pdf)
    assert document.file.name.startswith(f"calls/{call.pk}/")
    assert "公募要領" not in document.file.name and document.file.name.endswith(".pdf")
    assert AuditRecord.objects.filter(action="call.add_document").count() == 1

    fake = client.post(
        url,
        {
            "kind": "guidelines",
            "title_ja": "偽物",
            "document": SimpleUploadedFile("fake.pdf", html_after_pdf_magic()),
        },
        **EN,
    )
    assert fake.status_code == 400
    assert "File: “fake.pdf”" in fake.content.decode()
    assert CallDocument.objects.filter(call=call).count() == 1

    # Anyone who may see the call sees it listed and downloads it, signed in or not.
    client.logout()
    detail = client.get(reverse("calls:detail", args=[call.pk]), **JA).content.decode()
    link = reverse("calls:document", args=[call.pk, document.pk])
    assert link in detail and "公募要領" in detail
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E5%85%AC" in download["Content-Disposition"]
    other = f.open_call(plan)
    assert client.get(reverse("calls:document", args=[other.pk, document.pk])).status_code == 404


def test_a_document_is_removed_only_before_proposals(officer, client, plan):
    call = f.open_call(plan)
    client.post(
        reverse("calls:document_add", args=[call.pk]),
        {
            "kind": "faq",
            "title_ja": "質問回答",
            "document": SimpleUploadedFile("q.pdf", tiny_pdf()),
        },
    )
    first = CallDocument.objects.get(call=call)
    remove = reverse("calls:document_remove", args=[call.pk, first.pk])
    assert client.post(remove).status_code == 302
    assert not CallDocument.objects.filter(pk=first.pk).exists()

    client.post(
        reverse("calls:document_add", args=[call.pk]),
        {
            "kind": "faq",
            "title_ja": "質問回答",
            "document": SimpleUploadedFile("q.pdf", tiny_pdf()),
        },
    )
    second = CallDocument.objects.get(call=call)
    f.complete_proposal(f.applicant(), call)
    response = client.post(
        reverse("calls:document_remove", args=[call.pk, second.pk]), follow=True, **EN
    )
    assert "its documents stay published" in response.content.decode()
    assert CallDocument.objects.filter(pk=second.pk).exists()
