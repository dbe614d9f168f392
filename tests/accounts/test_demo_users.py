import pytest
from django.urls import reverse

from kikin.accounts.demo import DEMO_PASSWORD, load_demo_users
from kikin.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_one_demo_user_per_role_and_safe_to_run_twice():
    load_demo_users()
    load_demo_users()
    assert User.objects.count() == 4
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}


@pytest.mark.parametrize("username", ["ministry", "officer", "reviewer", "applicant"])
def test_demo_users_can_log_in(client, username):
    load_demo_users()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert User.objects.get(username=username).display_name in page


def test_wrong_password_is_refused_with_a_message(client):
    load_demo_users()
    response = client.post(
        reverse("accounts:login"),
        {"username": "officer", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


def test_only_staff_reach_the_admin(client):
    load_demo_users()
    client.login(username="applicant", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 302
    client.login(username="officer", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/programs/theme/").status_code == 200


def test_load_demo_twice_gives_one_open_call_one_award_under_way_and_two_finished(plan):
    from django.core.management import call_command

    from kikin.awards.demo import DEMO_TITLE
    from kikin.awards.models import Award, AwardState
    from kikin.calls.models import Call
    from kikin.core.timeutil import today_jst
    from kikin.outcomes.demo import CONTRACT_TITLE, GRANT_TITLE
    from kikin.outcomes.models import Assessment

    call_command("load_demo")
    call_command("load_demo")
    call = Call.objects.get(key="demo")
    assert call.is_open() and call.is_demo
    assert not Award.objects.filter(call=call).exists()  # the open call is the applicant's
    # each demo award comes from a call of its own, decided after its deadline
    demo_awards = Award.objects.filter(call__is_demo=True).select_related("call")
    assert demo_awards.filter(call__program=call.program).count() == 3
    for a in demo_awards:
        assert not a.call.is_open() and a.proposal.decision.decided_at > a.call.closes_at
    award = Award.objects.get(call__key="demo-adopted", proposal__title=DEMO_TITLE)
    assert award.payments.get().amount_yen == 173_300_000
    # the demo never contradicts the day it is loaded: the paid claim's money was spent already
    today = today_jst()
    assert award.start_date <= today
    assert all(
        line.incurred_on <= today for claim in award.claims.all() for line in claim.lines.all()
    )
    assert award.proposal.decision.published_at is not None
    finished = Award.objects.filter(proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE])
    assert {a.state for a in finished} == {AwardState.ENDED}
    # self-investment: 300,000,000 × 3,400,000,000 / 3,600,000,000 − 280,000,000 burden
    assert (
        Assessment.objects.get(kind="self_investment").amount_yen
        == 300_000_000 * 34 // 36 - 280_000_000
    )
    payback = Assessment.objects.get(kind="payback", state="draft")
    assert (
        payback.earlier_yen == Assessment.objects.get(kind="payback", state="paid").amount_yen > 0
    )
