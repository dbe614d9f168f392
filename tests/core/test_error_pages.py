"""Error pages in Japanese and English that show no internals, with DEBUG off and on."""

import pytest
from django.test import Client, override_settings
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.crash_urls")]

INTERNALS = ("Traceback", "hunter2", "DATABASES", "SECRET_KEY", "Using the URLconf", "urlpatterns")


def _plain(response, status, ja, en):
    body = response.content.decode()
    assert response.status_code == status
    assert ja in body and en in body, body[:500]
    for word in INTERNALS:
        assert word not in body, word


@pytest.mark.parametrize("debug", [False, True])
def test_error_pages_show_no_internals(debug, monkeypatch):
    monkeypatch.delenv("KIKIN_DEBUG_PAGES", raising=False)
    with override_settings(DEBUG=debug):
        client = Client(raise_request_exception=False)
        _plain(client.get("/no/such/page/"), 404, "ページが見つかりません", "Page not found")
        _plain(client.get("/test-crash/"), 500, "サーバーで問題", "went wrong")
        _plain(client.get("/test-forbidden/"), 403, "許可されていません", "may not")
        _plain(client.get("/test-suspicious/"), 400, "受け付けられません", "could not be accepted")


@pytest.mark.parametrize("debug", [False, True])
def test_a_hidden_object_is_a_plain_404_and_a_bad_form_a_plain_400(debug):
    with override_settings(DEBUG=debug):
        client = Client(raise_request_exception=False)
        client.force_login(f.applicant())
        _plain(client.get("/awards/999999/"), 404, "ページが見つかりません", "Page not found")
        _plain(
            client.post("/awards/999999/claim/", {}),
            400,
            "受け付けられません",
            "could not be accepted",
        )


def test_a_form_without_its_csrf_token_gets_a_plain_403():
    client = Client(enforce_csrf_checks=True)
    client.force_login(f.applicant())
    _plain(client.post("/proposals/1/withdraw/", {}), 403, "許可されていません", "may not")
