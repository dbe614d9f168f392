"""Every message a person sees is a sentence in their language, naming the field by its label
(issue 13, item 4).

The reported cases are driven through the pages, in Japanese and in English: a rate typed as a
word ("Invalid literal for Fraction"), a letter in an amount ("invalid literal for int()"), a
claim's second row ("budget.1:" and such field keys), the targets page as of 1900-01-01 (a
server error), a conflicted reviewer assigned by hand ("declared", a debug 404 page), the
reviewer assignment the solver cannot satisfy (its English message in the Japanese job page).
Then the sources: every field key a service refuses with has a label in Japanese, every refusal
of the rules engine has a sentence, and an exception's own text never reaches a person.
"""

from __future__ import annotations

import ast
import html
import pathlib
import re

import pytest
from django.conf import settings
from django.contrib.messages import ERROR, get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from tests import factories as f
from tests.clients import BrowserLikeClient
from tests.jobs.follow import job_of

from kikin.accounts.models import Role
from kikin.awards import services as award_services
from kikin.awards.models import Award
from kikin.calls.services import submit_proposal
from kikin.core.feedback import field_label, refusal_messages
from kikin.core.rule_messages import MESSAGES, rule_message
from kikin.core.workflow import TransitionError
from kikin.review import services as review_services
from kikin.review.models import Assignment
from kikin.rules.errors import RuleError

pytestmark = pytest.mark.django_db

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "kikin"
#: What a person must never read.
INTERNALS = (
    "invalid literal",
    "Invalid literal",
    "Fraction",
    "Traceback",
    "ValueError",
    "ZeroDivisionError",
    "total demand",
    "per_proposal=",
)
#: A message that starts with a field's key (`title:`, `budget.1:`, `lines.2.amount_yen:`); a
#: label starts with a capital in English and is Japanese in Japanese.
RAW_KEY = re.compile(r"^[a-z_]+(\.\d+)*(\.[a-z_]+)*\s*[:：]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: Two English words in a row in a Japanese message: a sentence left untranslated.
ENGLISH_PHRASE = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")


def assert_sentence(text: str, lang: str) -> None:
    text = html.unescape(str(text))
    for word in INTERNALS:
        assert word not in text, (word, text)
    assert not RAW_KEY.match(text), text
    if lang == "ja":
        assert JAPANESE.search(text), text
        assert not ENGLISH_PHRASE.search(text), text


def errors_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def browser(user, lang: str, cls=BrowserLikeClient, **kwargs):
    client = cls(**kwargs)
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def refused(client, url, data, lang, *, expect: dict[str, str]) -> list[str]:
    """POST, and the page that shows the refusal (the form again, 400, or the page the refusal
    is sent back to); each error message is a sentence, one of them starts with the expected
    label (by language) and the page shows it."""
    response = client.post(url, data)
    assert response.status_code in (302, 400), response.status_code
    texts = errors_of(response)
    assert texts, "no error message"
    for text in texts:
        assert_sentence(text, lang)
    label = expect[lang]
    assert any(t.startswith(label) for t in texts), (label, texts)
    shown = response if response.status_code == 400 else client.get(response.url)
    page = html.unescape(shown.content.decode())
    assert any(t in page for t in texts), texts
    return texts


@pytest.fixture
def adopted(plan):
    proposal, applicant, _ministry, agency = f.adopted(plan)
    return proposal, applicant, agency


# --------------------------------------------------------------------------------------------
# The reported cases, through the pages


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("typed", ["bogus", "1/0", "２分の１", "1e999999999"])
def test_a_rate_typed_wrongly_is_a_sentence_naming_the_rate(adopted, lang, typed):
    proposal, _applicant, agency = adopted
    client = browser(agency, lang)
    url = reverse("awards:create", args=[proposal.pk])
    texts = refused(
        client, url, {"rate": typed}, lang, expect={"ja": "助成率：", "en": "Subsidy rate: "}
    )
    assert "1/2" in texts[0]  # says how a rate is written
    assert not Award.objects.filter(proposal=proposal).exists()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_rate_the_plan_does_not_allow_is_said_in_the_users_language(adopted, lang):
    """The rules engine's refusal ("theme 1-a1 is a contract: its rate is 1", in English for
    `kikin calc`) reaches the page as a sentence of the page's language."""
    proposal, _applicant, agency = adopted
    client = browser(agency, lang)
    url = reverse("awards:create", args=[proposal.pk])
    texts = refused(
        client, url, {"rate": "3/4"}, lang, expect={"ja": "助成率：", "en": "Subsidy rate: "}
    )
    assert "1-a1" in texts[0]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_continuation_typed_wrongly_names_its_fields(adopted, lang):
    proposal, _applicant, agency = adopted
    award = award_services.create_award(actor=agency, proposal=proposal)
    client = browser(agency, lang)
    url = reverse("awards:action", args=[award.pk, "continuation"])
    refused(
        client,
        url,
        {"months": "十二", "form": "grant", "rate": "1/2"},
        lang,
        expect={"ja": "継続期間（月数）：", "en": "Months of the continuation: "},
    )
    refused(
        client,
        url,
        {"months": "12", "form": "grant", "rate": "half"},
        lang,
        expect={"ja": "助成率：", "en": "Subsidy rate: "},
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_claims_second_row_is_named_by_table_row_and_column(adopted, lang):
    proposal, applicant, agency = adopted
    award = award_services.create_award(actor=agency, proposal=proposal)
    client = browser(applicant, lang)
    texts = refused(
        client,
        reverse("awards:action", args=[award.pk, "claim"]),
        {
            "fiscal_year": str(award.start_date.year),
            "budget_kind": "base",
            "category": ["equipment", "equipment"],
            "description": ["計測器", "試薬"],
            "amount": ["100000", "12万円也"],
            "incurred_on": [award.start_date.isoformat(), award.start_date.isoformat()],
        },
        lang,
        expect={"ja": "請求明細 2行目の金額（円）：", "en": "Claim lines, row 2, amount (yen): "},
    )
    assert len(texts) == 1


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_cap_exceptions_amount_typed_as_words_is_refused_naming_it(plan, lang):
    call = f.open_call(plan)
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"cap-{p.pk}")
    client = browser(f.user(Role.AGENCY), lang)
    refused(
        client,
        reverse("review:proposal_action", args=[p.pk, "cap_exception"]),
        {"approved_cap_yen": "三億円", "reason": "審査で認めた", "approved_by_names": "審査 太郎"},
        lang,
        expect={"ja": "認められた上限（円）：", "en": "Approved cap (yen): "},
    )


@pytest.mark.parametrize("as_of", ["1900-01-01", "0001-01-01", "2027-02-30", "bogus", "2999-01-01"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_targets_pages_take_any_date_and_name_the_field(plan, lang, as_of):
    staff = browser(f.user(Role.AGENCY), lang)
    for url in (reverse("targets:dashboard") + "?", reverse("targets:themes") + "?figure=adopted&"):
        response = staff.get(f"{url}as_of={as_of}")
        assert response.status_code == 200, (url, response.status_code)
        texts = errors_of(response)
        assert len(texts) == 1, (url, texts)
        assert_sentence(texts[0], lang)
        assert texts[0].startswith({"ja": "基準日：", "en": "As of: "}[lang]), texts[0]
        assert texts[0] in html.unescape(response.content.decode())
    # The public page is always as of today: the parameter is left aside.
    public = browser(None, lang).get(reverse("targets:public") + f"?as_of={as_of}")
    assert public.status_code == 200 and not errors_of(public)
    forged = staff.get(reverse("targets:themes") + "?figure=adopted&item=99999999999999999999")
    assert forged.status_code == 404


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_conflicted_reviewer_assigned_by_hand_is_a_sentence_not_a_debug_page(
    plan, lang, debug, monkeypatch
):
    monkeypatch.delenv("KIKIN_DEBUG_PAGES", raising=False)
    call = f.open_call(plan)
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"coi-{p.pk}")
    agency = f.user(Role.AGENCY)
    colleague = f.reviewer(org=applicant.organisation)  # the proposer's own organisation
    declared = f.reviewer()
    review_services.declare_conflict(
        actor=agency, reviewer=declared, proposal=p, reason="共同研究の相手方"
    )
    with override_settings(DEBUG=debug):
        client = browser(agency, lang, raise_request_exception=False)
        url = reverse("review:proposal_action", args=[p.pk, "assign"])
        for reviewer, reason in (
            (colleague, {"ja": "審査委員の所属組織", "en": "the reviewer's own organisation"}),
            (
                declared,
                {"ja": "本人または事務局による申告", "en": "declared by the reviewer or by"},
            ),
        ):
            texts = refused(
                client,
                url,
                {"reviewer": str(reviewer.pk)},
                lang,
                expect={"ja": "審査委員：", "en": "Reviewer: "},
            )
            assert reason[lang] in texts[0], texts[0]
            assert not re.search(r"\bdeclared\.$", texts[0])  # no bare choice value
        assert not Assignment.objects.exists()
        # A reviewer who does not exist (a forged id): the plain page, in both languages.
        missing = client.post(url, {"reviewer": "987654321"})
        body = missing.content.decode()
        assert missing.status_code == 404
        assert "ページが見つかりません" in body and "Page not found" in body
        for word in ("Traceback", "No User matches", "URLconf", "kikin.review"):
            assert word not in body


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_solvers_refusal_is_said_in_the_language_of_the_officer(plan, lang):
    call = f.open_call(plan)
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    for i in range(3):
        applicant = f.applicant()
        p = f.complete_proposal(applicant, call, title=f"提案{i}")
        submit_proposal(actor=applicant, proposal=p, submission_key=f"solver-{p.pk}")
        review_services.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    f.reviewer(), f.reviewer()
    client = browser(agency, lang)
    url = reverse("review:call_action", args=[call.pk, "assign"])
    job = job_of(client.post(url, {"per_proposal": "2", "max_load": "1"}))  # 6 needed, 2 places
    assert job.state == "failed"
    assert_sentence(job.error, lang)
    assert job.error.startswith({"ja": "審査割当：", "en": "Assignment: "}[lang]), job.error
    assert {"ja": "3件の提案", "en": "3 proposals need 2 reviewers each"}[lang] in job.error
    page = html.unescape(client.get(reverse("jobs:detail", args=[job.pk])).content.decode())
    assert job.error in page


# --------------------------------------------------------------------------------------------
# The error pages


@pytest.mark.urls("tests.core.message_urls")
@pytest.mark.parametrize("debug", [False, True])
def test_an_error_raised_with_a_message_shows_the_plain_page_in_both_languages(debug, monkeypatch):
    monkeypatch.delenv("KIKIN_DEBUG_PAGES", raising=False)
    with override_settings(DEBUG=debug):
        client = Client(raise_request_exception=False)
        for url, status, ja, en in (
            ("/test-not-found-with-a-message/", 404, "ページが見つかりません", "Page not found"),
            ("/test-forbidden-with-a-message/", 403, "許可されていません", "may not"),
            ("/test-value-error/", 500, "サーバーで問題", "went wrong"),
        ):
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == status
            assert ja in body and en in body, body[:300]
            for word in (
                "No User matches",
                "agency_only",
                "l.5193",
                "invalid literal",
                "Traceback",
            ):
                assert word not in body, (url, word)


# --------------------------------------------------------------------------------------------
# The sources: labels, the rules engine's refusals, exceptions' texts

#: How the apps name the field of a refusal (a key of a ValidationError).
KEY_PATTERNS = [
    re.compile(p)
    for p in (
        r'ValidationError\(\s*\{\s*"([a-z][a-z0-9_.]*)"',
        r'\b_?err\(\s*"([a-z][a-z0-9_.]*)"',
        r'\bfield="([a-z][a-z0-9_.]*)"',
        r'\bposted_(?:int|date|datetime|rate)\(\s*[a-z_.]+,\s*"([a-z][a-z0-9_]*)"',
        r'\berrors\["([a-z][a-z0-9_.]*)"\]\s*=',
    )
]
#: Keys of refusals no person reads on a page, with the reason.
NOT_SHOWN = {
    "gx_share": "the budget frames' seed file, loaded by a command (kikin manage load_budget_frames)",
    "prior_year_amount": "as above",
}


def refusal_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in {"rules", "solvers"} or {"migrations", "management"} & set(rel.parts):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in KEY_PATTERNS:
            for m in pattern.finditer(text):
                keys.setdefault(m.group(1), str(rel))
    return keys


def test_every_field_a_service_refuses_has_a_label_in_japanese():
    keys = refusal_keys()
    assert len(keys) > 100  # the scan finds the apps' refusals
    missing = []
    with translation.override("ja"):
        for key, where in sorted(keys.items()):
            label = field_label(key)
            if key in NOT_SHOWN:
                continue
            if not JAPANESE.search(label) and not re.fullmatch(r"[A-Z0-9-]+", label):
                missing.append(f"{key} ({where}): {label!r}")
    assert not missing, "keys without a Japanese label (kikin.core.feedback.EXTRA_LABELS):\n" + (
        "\n".join(missing)
    )


@pytest.mark.parametrize(
    ("key", "ja", "en"),
    [
        ("lines.2.amount_yen", "請求明細 2行目の金額（円）", "Claim lines, row 2, amount (yen)"),
        ("budget.3", "年度別予算 3行目", "Budget by fiscal year, row 3"),
        ("title", "提案名", "Title"),
        ("award", "採択案件", "Award"),  # a foreign key, by its model's name
        ("reviewer", "審査委員", "Reviewer"),
        ("as_of", "基準日", "As of"),
        ("__all__", "", ""),
    ],
)
def test_field_labels(key, ja, en):
    with translation.override("ja"):
        assert field_label(key) == ja
    with translation.override("en"):
        assert field_label(key) == en


def _rule_errors() -> list[tuple[str, str, str]]:
    """(file, field, message) of every RuleError the rules engine raises, with each f-string's
    placeholders filled with a sample value."""
    found = []
    for path in sorted((SRC / "rules").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.endswith("Error")
                and node.func.id in {"RuleError", "NotApplicableError", "MissingValueError"}
                and len(node.args) == 2
            ):
                continue

            def text(arg) -> str:
                if isinstance(arg, ast.Constant):
                    return str(arg.value)
                if isinstance(arg, ast.JoinedStr):
                    return "".join(
                        str(v.value) if isinstance(v, ast.Constant) else "2019" for v in arg.values
                    )
                return "x"

            found.append((path.name, text(node.args[0]), text(node.args[1])))
    return found


def test_every_refusal_of_the_rules_engine_has_a_sentence():
    found = _rule_errors()
    assert len(found) > 30
    unknown = [
        f"{where}: {field}: {message}"
        for where, field, message in found
        if not any(pattern.search(message) for pattern, _sentence in MESSAGES)
    ]
    assert not unknown, "rule refusals without a sentence (kikin.core.rule_messages):\n" + (
        "\n".join(unknown)
    )
    for lang in ("ja", "en"):
        with translation.override(lang):
            for _where, field, message in found:
                sentence = rule_message(RuleError(field, message))
                assert_sentence(sentence, lang)
                assert not sentence[0].islower(), sentence


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(
    "exc",
    [
        ValueError("invalid literal for int() with base 10: 'abc'"),
        ValueError("Invalid literal for Fraction: 'bogus'"),
        ZeroDivisionError("Fraction(1, 0)"),
        KeyError("per_proposal"),
    ],
)
def test_an_exceptions_own_text_never_reaches_a_person(exc, lang):
    with translation.override(lang):
        texts = refusal_messages(exc)
    assert len(texts) == 1
    assert_sentence(texts[0], lang)
    assert "abc" not in texts[0] and "per_proposal" not in texts[0]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_refusals_are_sentences_naming_their_fields(lang):
    with translation.override(lang):
        texts = refusal_messages(
            ValidationError({"months": ["Required."], "lines.1.incurred_on": ["Required."]})
        )
        assert texts[0].startswith(
            {"ja": "継続期間（月数）：", "en": "Months of the continuation: "}[lang]
        )
        assert texts[1].startswith({"ja": "請求明細 1行目の", "en": "Claim lines, row 1, "}[lang])
        for text in texts:
            assert_sentence(text, lang)
        # A permission's and a state table's answers are sentences already; an empty one is not
        # left blank.
        assert refusal_messages(PermissionDenied()) == [
            str(translation.gettext("You may not do this."))
        ]
        assert refusal_messages(TransitionError("")) == [
            str(translation.gettext("This step cannot be taken now."))
        ]


def test_an_entrys_evaluation_status_is_read_in_the_users_language():
    from kikin.challenges.templatetags.challenge_tags import evaluation_status

    with translation.override("ja"):
        assert evaluation_status("ok") == "評価済み"
        assert evaluation_status("timeout") == "停止：制限時間を超えました"
        for code in ("error", "memory", "output", "refused"):
            assert_sentence(evaluation_status(code), "ja")
    with translation.override("en"):
        assert evaluation_status("ok") == "Evaluated"
