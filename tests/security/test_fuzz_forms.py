"""Bad input never gives a server error, and a refused request changes nothing.

Every form of the site is found by following each role's links from the URL patterns (a new
form is covered without being listed), then sent by every role with hypothesis's values: NUL
bytes, huge and negative numbers, long text, extreme and impossible dates, unknown choices,
forged hidden ids, fake PDFs and a zip bomb. Against the database of the run (PostgreSQL in CI):
- no answer is a server error (500);
- a refused request (an error status, or an error message) leaves every kikin row as it was;
- a form that a person's own pages never offered them (another role's, another organisation's)
  changes nothing whatever they send.
KIKIN_FUZZ_EXAMPLES sets the examples per form and person (default 8; a third of it for forms
not offered to them).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import ERROR
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import resolve
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings

from tests.clients import BrowserLikeClient

from .crawl import Form, crawl, url_patterns
from .fuzz import defaults, fingerprint, form_strategy, with_key
from .world import build

pytestmark = [pytest.mark.slow]

EXAMPLES = int(os.environ.get("KIKIN_FUZZ_EXAMPLES", "8"))
PEOPLE = os.environ.get(
    "KIKIN_FUZZ_PEOPLE",
    "anonymous,applicant,newcomer,developer,implementer,reviewer,officer,new_officer,ministry",
).split(",")
#: Routes that no page links to and no form posts to, with the reason.
NOT_CRAWLED = {
    "accounts/password/reset/<uidb64>/<token>/": "reached from the mailed link "
    "(tests/accounts/test_account_security.py)",
    "accounts/password/reset/sent/": "the page after the reset form",
    "accounts/password/reset/done/": "the page after a new password is set",
    "accounts/password/change/done/": "the page after the change form",
    "accounts/verify-email/<str:token>/": "reached from the mailed link "
    "(tests/accounts/test_account_security.py)",
    "health/": "the load balancer's probe, no page links it (tests/ops/test_requests.py)",
    "oai": "OAI-PMH for harvesters, no page links it (tests/datasets/test_oai.py, with Sickle)",
    "common-grants/opportunities": "the CommonGrants protocol's routes, for machines "
    "(tests/publish/test_commongrants.py)",
    "common-grants/opportunities/<str:opportunity_id>": "as above",
    "common-grants/opportunities/search": "as above (POST with JSON, no form)",
    "exchange/imports/<int:job_id>/": "the report of an import just sent, reached from its job "
    "(tests/exchange/test_exchange.py)",
    "jobs/<int:pk>/status/": "polled by htmx while a job runs; here jobs finish at once "
    "(tests/jobs/test_jobs.py)",
    "challenges/<slug:slug>/register/": "offered while a challenge takes registrations; the "
    "demo's have closed theirs (tests/challenges/test_pages.py)",
    "challenges/<slug:slug>/jury/<slug:stage>/<int:team>/": "a juror's scoring page; nobody "
    "here sits on a jury (tests/challenges/test_pages.py)",
    "challenges/<slug:slug>/documents/<int:pk>/": "a team's filed document (a paper, an "
    "identity document), for the team and its jurors; no team here has filed one",
}
API_PREFIX = "api/v1/"
#: People whose second factor is not given for them (they have none yet).
WITHOUT_SECOND_FACTOR = {"new_officer"}


class Outcome:
    def __init__(self):
        self.posts = 0
        self.statuses: dict[int, int] = defaultdict(int)
        self.refused = 0
        self.server_errors: dict[tuple, str] = {}
        self.changed_by_refusal: list[str] = []
        self.changed_by_stranger: list[str] = []


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The world, and what each person's pages offer, found once for the module."""
    with django_db_blocker.unblock(), override_settings(**STAFF_SECOND_FACTOR):
        world = build()
        found = {}
        for name in PEOPLE:
            client = _client(world.users[name], second_factor=name not in WITHOUT_SECOND_FACTOR)
            found[name] = crawl(
                client,
                [
                    "/",
                    "/compute/",
                    "/compliance/",
                    "/review/",
                    "/accounts/second-factor/",
                    # each section's front, early, so that the crawl's budget reaches into all
                    "/challenges/",
                    "/datasets/",
                    "/jobs/",
                    "/exchange/",
                    "/api/tokens/",
                    "/programs/",
                    "/programs/post5g/",
                    "/programs/q-leap/",
                    "/challenges/hpo/",
                    "/challenges/supply-chain/",
                ],
            )
    yield world, found
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


STAFF_SECOND_FACTOR = {"KIKIN_SECOND_FACTOR_ROLES": ("ministry", "agency")}


def _client(user, *, second_factor: bool = True):
    """A browser of `user`, signed in; staff with their second factor given, as in production."""
    client = BrowserLikeClient(raise_request_exception=False)  # a 500 is counted, not raised
    client.user = user
    client.second_factor = second_factor
    if user is not None:
        client.force_login(user)
        if user.needs_second_factor and second_factor:
            _give_second_factor(client, user)
    return client


def _give_second_factor(client, user) -> None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="fuzz", confirmed=True)
    device.last_t = -1
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    response = client.post(
        "/accounts/second-factor/", {"token": f"{totp.token():06d}", "next": "/"}
    )
    assert response.status_code == 302, "the second factor was not accepted"


def _path(form: Form) -> str:
    parts = urlsplit(form.action)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _signature(form: Form) -> tuple:
    match = resolve(urlsplit(form.action).path)
    slugs = tuple(sorted((k, v) for k, v in match.kwargs.items() if not str(v).isdigit()))
    return (match.route, slugs, tuple(sorted(form.fields)))


def _forms_by_signature(found) -> dict[tuple, tuple[str, Form]]:
    out = {}
    for name, (_pages, forms) in found.items():
        for form in forms:
            out.setdefault(_signature(form), (name, form))
    return out


def _role_kind(user) -> tuple:
    if user is None:
        return ("anonymous", None)
    return (user.role, user.organisation_id if user.role == "applicant" else None)


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    return any(m.level >= ERROR for m in getattr(storage, "_queued_messages", []))


#: What a stranger's accepted request may change: the form key's row, which keeps the answer.
FORM_KEYS_TABLE = ("core_usedformkey",)


def _send(client, form: Form, data: dict, outcome: Outcome, *, stranger: bool, label: str):
    before = fingerprint()
    before_fund = fingerprint(without=FORM_KEYS_TABLE) if stranger else None
    with transaction.atomic():  # each request's effects stay inside this test's transaction
        response = client.post(_path(form), with_key(data))
    outcome.posts += 1
    signed_out = client.user is not None and (
        "_auth_user_id" not in client.session
        or (
            client.second_factor
            and client.user.needs_second_factor
            and "otp_device_id" not in client.session
        )
    )
    if signed_out:
        client.force_login(client.user)  # a form signed this person out: sign in again
        if client.user.needs_second_factor and client.second_factor:
            _give_second_factor(client, client.user)
    outcome.statuses[response.status_code] += 1
    where = f"{label} POST {_path(form)} {sorted(data)!r}"
    if os.environ.get("KIKIN_FUZZ_DEBUG"):
        print(where, response.status_code, response.get("Location"))
    if response.status_code >= 500:
        exc = getattr(response, "exc_info", None)
        cause = f"{type(exc[1]).__name__}: {str(exc[1])[:80]}" if exc else "500"
        outcome.server_errors.setdefault((label, cause), f"{where} -> {cause} {data!r:.300}")
        return
    refused = _refused(response)
    outcome.refused += refused
    if not refused:  # what was stored must not break the pages that show it
        for page in {urlsplit(form.page).path, response.get("Location") or ""}:
            if page.startswith("/"):
                shown = client.get(page)
                if shown.status_code >= 500:
                    exc = getattr(shown, "exc_info", None)
                    cause = f"{type(exc[1]).__name__}: {str(exc[1])[:80]}" if exc else "500"
                    outcome.server_errors.setdefault(
                        (label, page, cause), f"{where} then GET {page} -> {cause} {data!r:.300}"
                    )
    if refused and fingerprint() != before:
        outcome.changed_by_refusal.append(f"{where} -> {response.status_code} {data!r}"[:600])
    elif stranger and fingerprint(without=FORM_KEYS_TABLE) != before_fund:
        outcome.changed_by_stranger.append(f"{where} -> {response.status_code} {data!r}"[:600])


def _fuzz_form(client, form: Form, outcome: Outcome, *, stranger: bool, label: str) -> None:
    @settings(
        max_examples=max(1, EXAMPLES // 3) if stranger else EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=form_strategy(form.fields))
    def fuzz(data):
        _send(client, form, data, outcome, stranger=stranger, label=label)

    fuzz()


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_no_form_gives_a_server_error_and_refusals_change_nothing(site, person, settings):
    settings.KIKIN_SECOND_FACTOR_ROLES = STAFF_SECOND_FACTOR["KIKIN_SECOND_FACTOR_ROLES"]
    world, found = site
    user = world.users[person]
    client = _client(user, second_factor=person not in WITHOUT_SECOND_FACTOR)
    own_paths = {_path(f) for f in found[person][1]}
    outcome = Outcome()
    for signature, (finder, form) in sorted(_forms_by_signature(found).items(), key=str):
        finder_user = world.users[finder]
        # Forms on public pages (signing in, registering, the language) are everyone's.
        # A person without their second factor is a stranger to every staff form.
        stranger = (
            finder_user is not None
            and _path(form) not in own_paths
            and (_role_kind(finder_user) != _role_kind(user) or person in WITHOUT_SECOND_FACTOR)
        )
        if signature[0] == "accounts/logout/":
            continue  # signing out is sent once, at the end
        if _path(form) not in own_paths and not stranger:
            continue  # a form of the same kind of person, not shown to this one: not judged
        label = f"{person} ({'stranger to' if stranger else 'own'} {signature[0]} {signature[1]})"
        _send(client, form, defaults(form.fields), outcome, stranger=stranger, label=label)

        _fuzz_form(client, form, outcome, stranger=stranger, label=label)
    if user is not None:
        assert client.post("/accounts/logout/").status_code == 302
    print(
        f"{person}: {outcome.posts} requests, {outcome.refused} refused, "
        f"answers {dict(sorted(outcome.statuses.items()))}"
    )
    assert not outcome.server_errors, "\n".join(sorted(outcome.server_errors.values())[:80])
    assert not outcome.changed_by_refusal, "\n".join(outcome.changed_by_refusal[:30])
    assert not outcome.changed_by_stranger, "\n".join(outcome.changed_by_stranger[:30])


@pytest.mark.django_db
def test_every_route_is_reached_by_some_page_or_form(site):
    """A route no page links to and no form posts to would escape the fuzzing: name it."""
    _world, found = site
    reached = set()
    for pages, forms in found.values():
        reached |= {route for route, urls in pages.items() if urls}
        reached |= {_signature(f)[0] for f in forms}
    # The REST API's endpoints are no pages: schemathesis fuzzes every one of them from the
    # OpenAPI document (tests/api/test_openapi.py).
    routes = {r for r in url_patterns() if not r.startswith(API_PREFIX)}
    missing = sorted(routes - reached - set(NOT_CRAWLED))
    assert not missing, f"routes not reached by any page or form: {missing}"


def summary_by_route(found) -> dict[str, int]:
    counts = defaultdict(int)
    for _pages, forms in found.values():
        for f in forms:
            counts[_signature(f)[0]] += 1
    return dict(counts)
