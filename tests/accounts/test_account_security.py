"""Accounts: user names as stored, sign-in attempts limited and logged, password reset by mail,
Argon2, a second factor for the staff, and e-mail verification before applying."""

from __future__ import annotations

import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password, make_password
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests import factories as f
from tests.clients import BrowserLikeClient

from kikin.accounts.email_verification import make_token
from kikin.accounts.models import User
from kikin.calls.models import Proposal

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-2026"


def _register(client, username, **extra):
    data = {
        "name_ja": "株式会社試作",
        "name_en": "Shisaku K.K.",
        "category": "sme",
        "corporate_number": "",
        "country": "JP",
        "has_rd_base_in_japan": "1",
        "username": username,
        "password": PASSWORD,
        "display_name": "試作 花子",
        "email": "hanako@example.jp",
        **extra,
    }
    return client.post(reverse("accounts:register"), data, HTTP_ACCEPT_LANGUAGE="ja")


@pytest.mark.parametrize("variant", ["applicant ", " applicant", "ＡＰＰＬＩＣＡＮＴ", "Applicant"])
def test_a_user_name_taken_in_another_form_is_refused_cleanly(client, variant):
    f.user("applicant", f.organisation(), username="applicant")
    response = _register(client, variant)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="username"' in page and "Traceback" not in page
    assert User.objects.filter(username__iexact="applicant").count() == 1


def test_a_user_name_is_stored_without_spaces_and_signs_in_as_typed(client):
    assert _register(client, "  ｈａｎａｋｏ ").status_code == 302
    user = User.objects.get(username="hanako")
    assert user.self_registered and user.email_verified_at is None
    other = BrowserLikeClient()
    response = other.post(reverse("accounts:login"), {"username": "hanako ", "password": PASSWORD})
    assert response.status_code == 302 and other.session.get("_auth_user_id") == str(user.pk)


def test_passwords_are_hashed_with_argon2(settings):
    import kikin.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the tests' own is a fast one
    hashed = make_password("x-Passphrase-1", hasher="argon2")
    assert hashed.startswith("argon2$argon2id$") and check_password("x-Passphrase-1", hashed)


def test_password_guessing_is_stopped_and_logged(client, settings):
    user = f.user("applicant", f.organisation(), username="target")
    user.set_password(PASSWORD)
    user.save()
    url = reverse("accounts:login")
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "target", "password": f"guess-{i}"})
        assert response.status_code == 200  # the form again, with its error
    last = client.post(url, {"username": "target", "password": "guess-last"})
    assert last.status_code == 429  # the limit reached: paused
    locked = client.post(
        url, {"username": "target ", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert locked.status_code == 429
    assert "wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session  # not even the right password gets in
    attempt = AccessAttempt.objects.get(username="target")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    ja = client.post(url, {"username": "target", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="ja")
    assert ja.status_code == 429 and "一時停止" in ja.content.decode()
    # Another account from the same address is not locked.
    other = f.user("applicant", f.organisation(), username="bystander")
    other.set_password(PASSWORD)
    other.save()
    assert client.post(url, {"username": "bystander", "password": PASSWORD}).status_code == 302


def test_password_reset_by_mail(client):
    user = f.user("applicant", f.organisation(), username="forgetful")
    user.email = "forgetful@example.jp"
    user.save()
    response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.jp"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "パスワード" in message.subject and "password" in message.subject
    assert "3日間" in message.body and "three days" in message.body
    link = re.search(r"http://testserver(\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "a-new-Passphrase-2027"
    done = client.post(
        form.request["PATH_INFO"], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.check_password(new)
    # No mail for an unknown address, and the same answer (no account is revealed).
    assert client.post(reverse("accounts:password_reset"), {"email": "x@example.jp"})[
        "Location"
    ] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def test_staff_enrol_and_give_a_second_factor(second_factor_on):
    officer = f.user("agency")
    client = BrowserLikeClient()
    client.force_login(officer)
    page = reverse("review:dashboard")
    response = client.get(page)
    enrol = reverse("accounts:second_factor_enrol")
    assert response.status_code == 302 and response["Location"].startswith(enrol)
    shown = client.get(response["Location"])
    html = shown.content.decode()
    assert "<svg" in html and 'id="otp-secret"' in html
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    wrong = client.post(enrol, {"token": "000000", "next": page})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # counted, though the request was refused
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(enrol, {"token": _code(device), "next": page})
    assert ok.status_code == 302 and ok["Location"] == page
    assert client.get(page).status_code == 200
    # A new session asks for the code again.
    again = BrowserLikeClient()
    again.force_login(officer)
    response = again.get(page)
    verify = reverse("accounts:second_factor")
    assert response["Location"].startswith(verify)
    device.refresh_from_db()
    assert again.post(verify, {"token": "12", "next": page}).status_code == 400
    device.throttling_failure_timestamp = None
    device.save()
    time.sleep(0)  # the code of the next step, as the app would show it
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    assert again.post(verify, {"token": _code(device), "next": page})["Location"] == page
    assert again.get(page).status_code == 200


def test_an_applicant_needs_no_second_factor_and_demo_accounts_only_in_the_demo(
    second_factor_on,
):
    applicant = f.applicant()
    client = BrowserLikeClient()
    client.force_login(applicant)
    assert client.get(reverse("calls:proposal_list")).status_code == 200
    demo = f.user("ministry")
    demo.second_factor_exempt = True
    demo.save()
    client.force_login(demo)
    second_factor_on.KIKIN_DEMO_ACCOUNTS = True
    assert client.get(reverse("review:dashboard")).status_code == 200
    second_factor_on.KIKIN_DEMO_ACCOUNTS = False
    assert client.get(reverse("review:dashboard")).status_code == 302


def test_a_self_registered_account_verifies_its_address_before_applying(
    client, plan, django_capture_on_commit_callbacks
):
    call = f.open_call(plan)
    with django_capture_on_commit_callbacks(execute=True):
        assert _register(client, "newcomer").status_code == 302
    user = User.objects.get(username="newcomer")
    assert len(mail.outbox) == 1 and "newcomer" not in mail.outbox[0].subject
    theme = call.themes.first()
    start = reverse("calls:proposal_start", args=[call.pk])
    refused = client.post(start, {"theme": theme.pk}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Verify your e-mail address" in refused.content.decode()
    assert not Proposal.objects.filter(organisation=user.organisation).exists()
    assert client.get(reverse("accounts:verify_email", args=["forged"])).status_code == 400
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None and user.may_apply
    assert client.post(start, {"theme": theme.pk}).status_code == 302
    assert Proposal.objects.filter(organisation=user.organisation).count() == 1
    # A link for an address the account no longer has is refused.
    token = make_token(user)
    user.email = "changed@example.jp"
    user.save()
    assert client.get(reverse("accounts:verify_email", args=[token])).status_code == 400
