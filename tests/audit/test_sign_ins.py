"""Every sign-in and failed sign-in through the real log-in page is recorded, append-only."""

import pytest
from django.urls import reverse
from tests import factories

from kikin.accounts.models import Role
from kikin.audit.models import SignInRecord

pytestmark = pytest.mark.django_db


def test_sign_ins_and_failures_are_recorded(client):
    user = factories.user(Role.APPLICANT, factories.organisation())
    url = reverse("accounts:login")
    bad = client.post(
        url,
        {"username": user.username, "password": "wrong"},
        HTTP_USER_AGENT="Mozilla/5.0 test",
        REMOTE_ADDR="192.0.2.7",
    )
    assert bad.status_code == 200
    client.post(url, {"username": "nobody-here", "password": "x"})
    good = client.post(url, {"username": user.username, "password": "pw"})
    assert good.status_code == 302
    ok, unknown, refused = SignInRecord.objects.order_by("-id")
    assert (refused.user, refused.username, refused.succeeded) == (user, user.username, False)
    assert refused.ip == "192.0.2.7" and refused.user_agent == "Mozilla/5.0 test"
    assert refused.request_id == bad["X-Request-ID"]
    assert (unknown.user, unknown.username, unknown.succeeded) == (None, "nobody-here", False)
    assert (ok.user, ok.succeeded) == (user, True) and ok.request_id == good["X-Request-ID"]
    assert "wrong" not in str(SignInRecord.objects.values())  # no password is kept


def test_sign_in_records_are_append_only(client):
    user = factories.user(Role.AGENCY)
    client.force_login(user)
    record = SignInRecord.objects.get()
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        SignInRecord.objects.all().delete()
