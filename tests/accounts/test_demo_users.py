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
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert User.objects.get(username=username).display_name in page


def test_wrong_password_is_refused_with_a_message(client):
    load_demo_users()
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "role=\"alert\"" in response.content.decode()


def test_only_staff_reach_the_admin(client):
    load_demo_users()
    client.login(username="applicant", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 302
    client.login(username="officer", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/programs/theme/").status_code == 200


def test_load_demo_twice_gives_one_open_call_and_one_award(plan):
    from django.core.management import call_command

    from kikin.awards.models import Award
    from kikin.calls.models import Call

    call_command("load_demo")
    call_command("load_demo")
    call = Call.objects.get(key="demo")
    assert call.is_open() and call.is_demo
    award = Award.objects.get(call=call)
    assert award.payments.get().amount_yen == 173_300_000
    assert award.proposal.decision.published_at is not None
