"""What the accessibility tests share: a browser signed in as a person in a chosen language and
screen size, the pages each demo role works on, and axe-core's verdict on a page.

A person is signed in by handing the browser the session of a test client's `force_login` (the
sign-in page itself is tested elsewhere), and the language is the one the language switcher
sets (Django's language cookie).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from tests.clients import BrowserLikeClient

#: axe-core's impacts that fail a page.
FAILING_IMPACTS = ("serious", "critical")

_axe = Axe()


def signed_in_client(user) -> BrowserLikeClient:
    """A test client of `user` (None: signed out); a page's server error is its answer (500),
    for the caller to report, not an exception."""
    client = BrowserLikeClient(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def browser_context(browser, live_server, client=None, *, lang="ja", width=1280, height=900):
    """A new browser context showing the site in `lang`, signed in as `client`'s user if any."""
    context = browser.new_context(
        locale="ja-JP" if lang == "ja" else "en-GB",
        timezone_id="Asia/Tokyo",
        viewport={"width": width, "height": height},
    )
    host = urlsplit(live_server.url).hostname
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "domain": host, "path": "/"}]
    if client is not None and settings.SESSION_COOKIE_NAME in client.cookies:
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        )
    context.add_cookies(cookies)
    return context


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self):
        return f"{self.rule} ({self.impact}: {self.help}) at {', '.join(self.targets[:8])}"


def axe_violations(page, impacts=FAILING_IMPACTS) -> list[Violation]:
    """axe-core's violations on the page as it is now, of the given impacts."""
    results = _axe.run(page).response
    return [
        Violation(
            v["id"],
            v["impact"],
            v["help"],
            [" ".join(map(str, n["target"])) for n in v["nodes"]],
        )
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


DEMO_ROLES = ("ministry", "officer", "reviewer", "applicant")


@dataclass
class Stage:
    """The demo with the selection under way, and the pages each person mainly works on."""

    users: dict
    main_pages: dict[str, list[str]]


def build_stage() -> Stage:
    """The demo (its users, open call, awards, finished themes, data and challenges), with a
    draft of the demo applicant's, a proposal waiting for the ministry's first review, one in the
    second review assigned to the demo reviewer, and a claim on the demo award to check."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from kikin.accounts.models import User
    from kikin.awards.demo import DEMO_TITLE
    from kikin.awards.models import Award
    from kikin.awards.services import submit_claim
    from kikin.calls.demo import load_demo_call
    from kikin.calls.services import submit_proposal
    from kikin.review import services as review
    from tests import factories as f
    from tests.security.files import tiny_pdf

    for command in ("load_plan", "load_budget_frames", "load_demo"):
        call_command(command, verbosity=0)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ROLES)}
    ministry, officer, reviewer, applicant = (users[name] for name in DEMO_ROLES)
    call = load_demo_call()
    draft = f.complete_proposal(applicant, call, title="アクセシビリティ確認用の下書き")

    def submitted():
        someone = f.applicant()
        p = f.complete_proposal(someone, call)
        submit_proposal(actor=someone, proposal=p, submission_key=f"a11y-{p.pk}")
        return p

    waiting = submitted()
    in_review = submitted()
    review.decide_first_review(actor=ministry, proposal=in_review, passed=True, reason="合致")
    assignment = review.assign_reviewer(actor=officer, proposal=in_review, reviewer=reviewer)
    award = Award.objects.get(call__is_demo=True, proposal__title=DEMO_TITLE)
    submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費（5月）",
                "incurred_on": award.start_date + dt.timedelta(days=40),
                "amount_yen": 1_000_000,
                "evidence": SimpleUploadedFile("receipt.pdf", tiny_pdf()),
            }
        ],
    )
    users["anonymous"] = None
    main_pages = {
        "anonymous": ["/", "/calls/", f"/calls/{call.pk}/", "/programs/post5g/"],
        "applicant": ["/", f"/proposals/{draft.pk}/edit/", f"/awards/{award.pk}/"],
        "officer": [
            "/",
            f"/review/calls/{call.pk}/",
            f"/review/proposals/{in_review.pk}/",
            f"/awards/{award.pk}/",
        ],
        "reviewer": ["/", "/review/mine/", f"/review/assignments/{assignment.pk}/"],
        "ministry": ["/", "/review/", f"/review/proposals/{waiting.pk}/", f"/awards/{award.pk}/"],
    }
    return Stage(users=users, main_pages=main_pages)
