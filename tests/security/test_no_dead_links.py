"""No page links to a page its reader cannot open (issue 13, item 5).

Each person of the security world (the demo's people, anonymous, and the others the world adds:
a self-registered newcomer, a GENIAC developer, an implementer under the technology-leakage
controls and its officer and ministry, an officer without a second factor yet) follows every
link of every page they reach from the site's start pages (a href, the feeds announced, what htmx
fetches, and the forms sent with GET with what they hold), with the crawler the fuzzing uses
(tests/security/crawl.py). No link may answer 403, 404 or a server error, nor send a signed-in
person to the sign-in page; each one that does is listed with the page it is on.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from .crawl import crawl
from .test_fuzz_forms import STAFF_SECOND_FACTOR, WITHOUT_SECOND_FACTOR, _client
from .world import build

pytestmark = [pytest.mark.slow]

PEOPLE = [
    "anonymous",
    "applicant",
    "reviewer",
    "officer",
    "ministry",
    "newcomer",
    "developer",
    "implementer",
    "leakage_agency",
    "leakage_ministry",
    "new_officer",
]

#: Where a person starts: the home page and each section's front (what the navigation offers,
#: and what a bookmark or a mailed link opens).
STARTS = [
    "/",
    "/calls/",
    "/proposals/",
    "/review/",
    "/review/mine/",
    "/awards/",
    "/compute/",
    "/compute/matching/",
    "/compute/events/",
    "/compliance/",
    "/challenges/",
    "/datasets/",
    "/jobs/",
    "/exchange/",
    "/api/tokens/",
    "/programs/",
    "/outcomes/targets/",
    "/inbox/",
    "/adoptions/",
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(**STAFF_SECOND_FACTOR):
        yield build()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_no_page_links_to_a_page_its_reader_cannot_open(world, person, settings):
    settings.KIKIN_SECOND_FACTOR_ROLES = STAFF_SECOND_FACTOR["KIKIN_SECOND_FACTOR_ROLES"]
    user = world.users[person]
    client = _client(user, second_factor=person not in WITHOUT_SECOND_FACTOR)
    dead: list[tuple[str, str, str]] = []
    by_route, _forms = crawl(
        client, STARTS, dead=dead, signed_in=user is not None, get_forms=True, limit=1500
    )
    pages = sum(len(urls) for urls in by_route.values())
    assert pages > 5, f"{person} reached almost nothing: {sorted(by_route)}"
    assert not dead, f"{person}: {len(dead)} links that do not open:\n" + "\n".join(
        f"  {link} ({why}) on {page}" for link, page, why in sorted(set(dead))
    )
