"""The staff's review panel of a call: each proposal's reviewers (by name, for the staff only),
their scores and whether they submitted, the committee score and the ranking; and the time left
before the reviews are due on the reviewer's own list, in both languages."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from kikin.calls.services import submit_proposal
from kikin.core import timeutil
from kikin.review import services
from tests import factories as f

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


def _in_review(call, title):
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call, title=title)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"panel-{p.pk}")
    services.decide_first_review(actor=f.user("ministry"), proposal=p, passed=True, reason="合致")
    p.refresh_from_db()
    return p


def _reviewer(name):
    r = f.reviewer()
    r.display_name = name
    r.save()
    return r


def _review(agency, proposal, reviewer, score, *, submit=True):
    a = services.assign_reviewer(actor=agency, proposal=proposal, reviewer=reviewer)
    codes = [c.code for c in services.ensure_criteria(call=proposal.call)]
    services.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, score),
        comment="所見",
        recommendation="adopt",
        submit=submit,
    )
    return a


@pytest.fixture
def panel(plan):
    call = f.open_call(plan)
    agency = f.user("agency")
    first, second, third = _reviewer("審査 一郎"), _reviewer("審査 二郎"), _reviewer("審査 三郎")
    good = _in_review(call, "優れた提案")
    fair = _in_review(call, "普通の提案")
    waiting = _in_review(call, "審査中の提案")
    _review(agency, good, first, 5)  # 100.000
    _review(agency, fair, first, 4)  # 80.000
    _review(agency, fair, second, 3)  # 60.000 → committee 70.000
    _review(agency, waiting, third, 2, submit=False)  # a draft: no committee score
    services.assign_reviewer(actor=agency, proposal=waiting, reviewer=second)  # not started
    return {
        "call": call,
        "agency": agency,
        "reviewers": (first, second, third),
        "proposals": (good, fair, waiting),
    }


def _row(html, receipt):
    """The table row of the proposal with `receipt`."""
    match = re.search(rf"<tr><td><a href=\"[^\"]+\">{re.escape(receipt)}</a>.*?</tr>", html, re.S)
    assert match, receipt
    return match.group(0)


def test_the_staff_see_each_reviewer_their_score_the_committee_score_and_the_rank(panel, client):
    good, fair, waiting = panel["proposals"]
    for staff in (panel["agency"], f.user("ministry")):
        client.force_login(staff)
        html = client.get(reverse("review:call", args=[panel["call"].pk]), **EN).content.decode()
        row = _row(html, good.receipt_number)
        assert "審査 一郎" in row and "100.000" in row and "(submitted)" in row
        assert "1 of 2" in row  # rank 1 of the 2 proposals with a committee score
        row = _row(html, fair.receipt_number)
        assert "審査 一郎" in row and "審査 二郎" in row
        assert "80.000" in row and "60.000" in row and "70.000" in row
        assert "2 of 2 submitted" in row and "2 of 2" in row
        row = _row(html, waiting.receipt_number)
        assert "審査 三郎" in row and "draft, not submitted" in row
        assert "審査 二郎" in row and "not started" in row
        assert "70.000" not in row and " of 2<" not in row


def test_the_panel_in_japanese(panel, client):
    good, fair, _waiting = panel["proposals"]
    client.force_login(panel["agency"])
    html = client.get(reverse("review:call", args=[panel["call"].pk]), **JA).content.decode()
    assert "審査委員と評点" in html and "委員会の評点" in html and "順位" in html
    assert "2件中1位" in _row(html, good.receipt_number)
    assert "2件中2件提出" in _row(html, fair.receipt_number)


def test_the_panel_sorts_by_the_committee_score(panel, client):
    good, fair, waiting = panel["proposals"]
    client.force_login(panel["agency"])
    url = reverse("review:call", args=[panel["call"].pk])
    html = client.get(url + "?sort=-score", **EN).content.decode()
    order = [html.index(p.receipt_number + "</a>") for p in (good, fair, waiting)]
    assert order == sorted(order)  # highest first, the unscored last
    html = client.get(url + "?sort=score", **EN).content.decode()
    assert html.index(fair.receipt_number + "</a>") < html.index(good.receipt_number + "</a>")


def test_equal_committee_scores_share_a_rank(panel, client):
    call, agency = panel["call"], panel["agency"]
    twin = _in_review(call, "同点の提案")
    _review(agency, twin, _reviewer("審査 四郎"), 5)  # 100.000, as `good`
    client.force_login(agency)
    html = client.get(reverse("review:call", args=[call.pk]), **EN).content.decode()
    good, fair, _waiting = panel["proposals"]
    assert "1 of 3" in _row(html, good.receipt_number)
    assert "1 of 3" in _row(html, twin.receipt_number)
    assert "3 of 3" in _row(html, fair.receipt_number)


def test_reviewers_never_reach_the_panel_nor_see_each_others_names(panel, client):
    second = panel["reviewers"][1]
    client.force_login(second)
    assert client.get(reverse("review:call", args=[panel["call"].pk])).status_code == 404
    mine = client.get(reverse("review:mine"), **EN).content.decode()
    assert "審査 一郎" not in mine and "審査 三郎" not in mine


def test_the_reviewers_list_counts_down_to_the_review_deadline(panel, client, settings):
    call = panel["call"]
    _first, second, _third = panel["reviewers"]
    fair = panel["proposals"][1]
    # second has a submitted review of `fair` and one not started of `waiting`
    client.force_login(second)
    url = reverse("review:mine")
    call.reviews_due_at = call.closes_at + dt.timedelta(days=10)
    call.save()
    settings.KIKIN_TODAY = (call.reviews_due_at - dt.timedelta(days=3, hours=2)).isoformat()
    html = client.get(url, **EN).content.decode()
    assert "3 days left" in html
    assert html.count('class="countdown') == 1  # only the review not yet submitted
    assert fair.receipt_number in html
    html = client.get(url, **JA).content.decode()
    assert "残り3日" in html and "審査の締切（JST）" in html

    settings.KIKIN_TODAY = (call.reviews_due_at - dt.timedelta(hours=5, minutes=10)).isoformat()
    assert "5 hours left" in client.get(url, **EN).content.decode()
    assert "残り5時間" in client.get(url, **JA).content.decode()

    settings.KIKIN_TODAY = (call.reviews_due_at + dt.timedelta(minutes=1)).isoformat()
    html = client.get(url, **EN).content.decode()
    assert "Due date passed" in html and "left" not in html.split("<tbody>")[1]
    assert "期限切れ" in client.get(url, **JA).content.decode()


def test_without_a_review_deadline_the_adoption_limit_is_shown(panel, client):
    call = panel["call"]
    client.force_login(panel["reviewers"][1])
    html = client.get(reverse("review:mine"), **EN).content.decode()
    limit = timeutil.jst_end_of(call.adoption_due_date)
    assert limit.strftime("%Y-%m-%d 23:59") in html
    assert "(the adoption decision's limit)" in html
