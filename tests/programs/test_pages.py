import datetime as dt

import pytest
from django.urls import reverse

from kikin.programs.models import PlanRevision

pytestmark = pytest.mark.django_db


def test_program_page_in_japanese_shows_items_themes_and_terms(client, plan):
    response = client.get(
        reverse("programs:detail", args=["post5g"]), {"on": "2026-11-23"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "ポスト５Ｇ情報通信システムの開発" in html
    assert "クラウド型コアの高度化技術の開発" in html
    row = html[html.index('id="theme-1-a1"') :]
    row = row[: row.index("</tr>")]
    assert "75億円" in row and "7,500,000,000円" in row  # 億円 shown, exact yen on hover
    assert "3年" in row and "1.5年後" in row
    g3 = html[html.index('id="theme-1-g3"') :]
    g3 = g3[: g3.index("</tr>")]
    assert "84億円" in g3 and "245億円" in g3 and "定額" in g3
    assert "2025-07-09" in html  # the revision in force


def test_english_switch(client, plan):
    client.post(reverse("set_language"), {"language": "en", "next": "/programs/post5g/"})
    response = client.get(reverse("programs:detail", args=["post5g"]))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Budget cap" in html and "Stage gate" in html
    assert "¥7.5bn" in html


def test_bad_date_names_the_field_and_the_form(client, plan):
    response = client.get(
        reverse("programs:detail", args=["post5g"]), {"on": "2025-13-45"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 200
    assert "2025-13-45" in response.content.decode()
    assert "日付" in response.content.decode()


def test_revision_shown_follows_the_chosen_date(client, plan):
    PlanRevision.objects.create(
        program=plan, effective_date=dt.date(2026, 12, 1), note_ja="改定（将来）"
    )
    before = client.get(
        reverse("programs:detail", args=["post5g"]), {"on": "2026-11-30"}
    ).content.decode()
    after = client.get(
        reverse("programs:detail", args=["post5g"]), {"on": "2026-12-01"}
    ).content.decode()
    assert "改定（将来）" in after.split('class="revision"')[1].split("</p>")[0]
    assert "改定（将来）" not in before.split('class="revision"')[1].split("</p>")[0]


def test_program_page_query_count_does_not_grow_with_themes(
    client, plan, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:detail", args=["post5g"]))
    assert response.status_code == 200


def test_unknown_program_is_404(client, plan):
    assert client.get(reverse("programs:detail", args=["nope"])).status_code == 404
