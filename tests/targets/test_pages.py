"""The targets pages: who may see them, what they show, the lists behind the figures, the public page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kikin.accounts.models import Role
from kikin.core.timeutil import today_jst
from kikin.rules.targets import fund_targets
from kikin.targets import selectors
from kikin.targets.views import EXPORT_COLUMNS
from tests import factories as f
from tests.targets.test_figures import make_world, random_specs, spec, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plan):
    return make_world(plan)


def login(client, user):
    """Logged in, reading the pages in English (the source strings, whatever the catalogue holds)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows_in(html: str) -> int:
    return len(re.findall(r'<th scope="row"><a href="/outcomes/awards/', html))


# --------------------------------------------------------------------------------------------
# Who sees what


@pytest.mark.parametrize("name", ["targets:dashboard", "targets:themes"])
def test_staff_pages_are_for_the_ministry_and_the_agency(client, world, name):
    url = reverse(name) + ("?figure=adopted" if name.endswith("themes") else "")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for role in (Role.APPLICANT, Role.REVIEWER):
        login(client, f.user(role, f.organisation()))
        assert client.get(url).status_code == 404, role
    for user in (world.agency, world.ministry):
        login(client, user)
        assert client.get(url).status_code == 200, user.role


def test_nav_link_for_staff_only(client, world):
    login(client, world.ministry)
    assert reverse("targets:dashboard") in html_of(client.get(reverse("home")))
    login(client, f.applicant())
    assert reverse("targets:dashboard") not in html_of(client.get(reverse("home")))


def test_public_adoptions_page_links_to_the_public_targets(client, world):
    assert reverse("targets:public") in html_of(client.get(reverse("public_adoptions")))


# --------------------------------------------------------------------------------------------
# The dashboard


def test_dashboard_shows_each_figure_with_its_numerator_denominator_and_list(client, world):
    day = dt.date(2024, 6, 1)
    # ① 3 completed, 2 met; ② 1 completed, met; ③ 2 completed (excluded); ① 1 in practical use.
    write(
        world,
        [
            spec(world, 1, final=(day, True), checks=[(dt.date(2025, 1, 5), True)]),
            spec(world, 1, final=(day, True)),
            spec(world, 1, final=(day, False)),
            spec(world, 2, final=(day, True)),
            spec(world, 3, final=(day, True)),
            spec(world, 1, adopted_as=3, final=(day, True)),
        ],
    )
    login(client, world.agency)
    today = today_jst().isoformat()
    html = html_of(client.get(reverse("targets:dashboard")))
    themes = reverse("targets:themes")
    # The fund: 3 met of 4 completed (75.0 %, not met); 1 of 4 adopted in practical use (25.0 %).
    assert f'href="{themes}?figure=met&amp;as_of={today}" title="' in html
    assert re.search(
        rf'figure=met&amp;as_of={today}"[^>]*>3</a> / <a href="{themes}\?figure=completed&amp;as_of={today}"[^>]*>4</a>',
        html,
    )
    assert re.search(
        rf'figure=practical&amp;as_of={today}"[^>]*>1</a> / <a href="{themes}\?figure=adopted&amp;as_of={today}"[^>]*>4</a>',
        html,
    )
    assert "75.0&nbsp;%" in html and "25.0&nbsp;%" in html
    # Per item: ① 2/3 = 66.7 %, ② 1/1 = 100.0 %, ③ excluded with its 2 themes; ④ excluded with none.
    program = world.post5g.code
    assert re.search(
        rf'program={program}&amp;item=1&amp;as_of={today}"[^>]*>2</a> / <a [^>]*>3</a>', html
    )
    assert "66.7&nbsp;%" in html and "100.0&nbsp;%" in html
    assert re.search(
        rf'figure=adopted&amp;program={program}&amp;item=3&amp;as_of={today}">2 ', html
    )
    assert html.count("excluded from the targets") == 4  # ③ ④ of both programs
    # Charts: per item bars and lines by fiscal year, as inline SVG with the goal lines.
    assert html.count("<svg") == 4 and "Goal 80 %" in html and "Goal 50 %" in html
    assert "FY2020" in html
    # Goals and their state: the fund's 75.0 % does not meet 80 %; ② (1 / 1) meets it.
    assert "goal ≥ 80 %" in html and "goal ≥ 50 %" in html
    assert '<div class="target-share not-met">\n  <span class="percent">75.0&nbsp;%' in html
    assert '<div class="target-share met">\n  <span class="percent">100.0&nbsp;%' in html


def test_dashboard_filters_by_program_and_as_of(client, world):
    day = dt.date(2024, 6, 1)
    write(
        world,
        [
            spec(world, 1, final=(day, True)),
            spec(world, 1, program=world.other.code, start=dt.date(2023, 4, 1), final=(day, False)),
        ],
    )
    login(client, world.ministry)
    url = reverse("targets:dashboard")
    html = html_of(client.get(url, {"program": world.other.code, "as_of": "2025-03-31"}))
    assert re.search(
        r'figure=met&amp;program=[^&]+&amp;as_of=2025-03-31"[^>]*>0</a> / <a [^>]*>1</a>', html
    )
    assert "goal ≥ 70 %" in html and "goal ≥ 80 %" not in html  # the program's own goal
    assert client.get(url, {"program": "no-such-program"}).status_code == 404
    # As of a day before the evaluation: nothing completed yet.
    html = html_of(client.get(url, {"as_of": "2024-05-31"}))
    assert re.search(r'figure=met&amp;as_of=2024-05-31"[^>]*>0</a> / <a [^>]*>0</a>', html)
    headline = html.split('class="targets-headline"', 1)[1]
    assert headline.index(
        '<div class="target-share not-met">\n  <span class="percent">—</span>'
    ) < headline.index("Practical-use rate")  # no denominator: "—", and not met
    # A date that is not one, or in the future: the figures are as of today, with a message.
    today = today_jst().isoformat()
    for bad in ("2024-13-01", "tomorrow", (today_jst() + dt.timedelta(days=3)).isoformat()):
        html = html_of(client.get(url, {"as_of": bad}))
        assert f"figure=met&amp;as_of={today}" in html and 'class="error"' in html, bad


def test_dashboard_money_and_filings_summaries(client, world):
    from django.utils import timezone

    from kikin.outcomes.models import Assessment, Filing

    (award,) = write(world, [spec(world, 1)])
    now = timezone.now()
    Assessment.objects.create(
        award=award,
        kind="refund",
        fiscal_year=2029,
        amount_yen=123_456_789,
        state="decided",
        computed_by=world.agency,
        computed_at=now,
    )
    Assessment.objects.create(
        award=award,
        kind="payback",
        fiscal_year=2029,
        amount_yen=5_000_000,
        state="paid",
        computed_by=world.agency,
        computed_at=now,
    )
    Assessment.objects.create(
        award=award,
        kind="payback",
        fiscal_year=2030,
        amount_yen=7_000_000,
        state="draft",
        computed_by=world.agency,
        computed_at=now,
    )
    for fy, state in ((2024, "submitted"), (2025, "checked"), (2026, "checked")):
        Filing.objects.create(
            award=award,
            fiscal_year=fy,
            period_start=dt.date(fy, 4, 1),
            period_end=dt.date(fy + 1, 3, 31),
            state=state,
            submitted_by=world.agency,
            submitted_at=now,
        )
    money = selectors.money_back()
    assert (money["decided"], money["paid"], money["total"]) == (
        123_456_789,
        5_000_000,
        128_456_789,
    )
    assert {r["kind"]: r["total"] for r in money["rows"]} == {
        "refund": 123_456_789,
        "self_investment": 0,
        "payback": 5_000_000,
    }
    assert {r["state"]: r["n"] for r in selectors.filings_by_state()["rows"]} == {
        "submitted": 1,
        "returned": 0,
        "checked": 2,
    }
    assert (
        selectors.money_back(world.other)["total"] == 0
        and selectors.filings_by_state(world.other)["total"] == 0
    )
    login(client, world.agency)
    html = html_of(client.get(reverse("targets:dashboard")))
    assert 'title="128,456,789円"' in html and 'title="5,000,000円"' in html


def test_dashboard_queries_do_not_grow_with_the_portfolio(client, world):
    rng = random.Random(3)
    write(world, random_specs(world, rng, 5))
    login(client, world.agency)
    url = reverse("targets:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        html_of(client.get(url))
    write(world, random_specs(world, rng, 60))
    client.get(url)
    with CaptureQueriesContext(connection) as large:
        html_of(client.get(url))
    # 12 for the page, and one for the navigation's inbox count
    assert len(small.captured_queries) == len(large.captured_queries) <= 13


# --------------------------------------------------------------------------------------------
# The themes behind a figure


def test_themes_list_pages_50_a_page_and_shows_each_themes_story(client, world):
    day = dt.date(2024, 6, 1)
    specs = [spec(world, 1, final=(day, i % 2 == 0)) for i in range(60)]
    specs[0].checks = [(dt.date(2025, 1, 5), True), (dt.date(2026, 2, 1), False)]
    awards = write(world, specs)
    login(client, world.agency)
    url = reverse("targets:themes")
    html = html_of(client.get(url, {"figure": "completed"}))
    assert rows_in(html) == 50 and "1 / 2" in html
    assert rows_in(html_of(client.get(url, {"figure": "completed", "page": 2}))) == 10
    assert rows_in(html_of(client.get(url, {"figure": "met"}))) == 30
    # The first award: its evaluation, and its latest check (not reached) with evidence and checker.
    first = html_of(client.get(url, {"figure": "completed", "as_of": "2026-03-01"}))
    row = first.split(f'/outcomes/awards/{awards[0].pk}/"', 1)[1].split("</tr>", 1)[0]
    assert (
        "2024-06-01" in row
        and "2026-02-01" in row
        and "販売に至っていない" in row
        and str(world.agency) in row
    )
    # As of a day before the second check, the first one (reached) is the last.
    earlier = html_of(client.get(url, {"figure": "practical", "as_of": "2026-01-31"}))
    assert rows_in(earlier) == 1 and "製品カタログと販売実績" in earlier
    assert rows_in(html_of(client.get(url, {"figure": "practical", "as_of": "2026-02-01"}))) == 0
    assert client.get(url, {"figure": "nonsense"}).status_code == 404
    assert client.get(url, {"figure": "met", "item": "x"}).status_code == 404


def test_themes_list_exports_every_row(client, world):
    day = dt.date(2024, 6, 1)
    write(
        world,
        [spec(world, 2, final=(day, True)) for _ in range(55)]
        + [spec(world, 3, final=(day, True))],
    )
    login(client, world.ministry)
    url = reverse("targets:themes")
    response = client.get(url, {"figure": "met", "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(lines) == 1 + 55  # the header, then every counting theme (③ left out), not one page
    header = lines[0]
    with translation.override("en"):  # the file is written in the language of the request
        assert header == [str(c.header) for c in EXPORT_COLUMNS]
        start, met = (
            header.index(str(EXPORT_COLUMNS[6].header)),
            header.index(str(EXPORT_COLUMNS[9].header)),
        )
    assert {(line[start], line[met]) for line in lines[1:]} == {("2021-04-01", "TRUE")}
    response = client.get(url, {"figure": "met", "item": "3", "format": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 2
    assert client.get(url, {"figure": "met", "format": "pdf"}).status_code == 400


# --------------------------------------------------------------------------------------------
# The public page


def test_public_page_shows_aggregates_only_without_login(client, world):
    day = dt.date(2024, 6, 1)
    awards = write(
        world,
        [
            spec(world, 1, final=(day, True), checks=[(dt.date(2025, 1, 5), True)]),
            spec(world, 2, final=(day, False)),
            spec(world, 4),
        ],
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = html_of(client.get(reverse("targets:public")))
    want = fund_targets(
        (s.outcome(today_jst()) for s in world.specs),
        selectors.target_rules_of(world.post5g),
    )
    assert (want.met, want.completed, want.practical, want.adopted) == (1, 2, 1, 2)
    assert "1 / 2" in html and "50.0&nbsp;%" in html
    assert html.count("<svg") == 4
    assert (
        "開発テーマごとに設定した目標を達成したテーマ数" in html
    )  # the plan's definitions, quoted
    for a in awards:
        assert a.number not in html
    assert reverse("targets:themes") not in html  # no lists of themes in public
    assert "製品カタログ" not in html  # nor evidence
