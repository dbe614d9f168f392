"""The matching board's and the events' pages (under /compute/): only the agency writes, a
developer sees the open offers and their own notices, anyone else is answered 404."""

import pytest
from django.urls import reverse

from kikin.matching import services
from tests import factories as f
from tests.compute.helpers import geniac_award

pytestmark = pytest.mark.django_db


def test_paths_stay_under_compute():
    assert reverse("matching:board") == "/compute/matching/"
    assert reverse("matching:events") == "/compute/events/"


def test_matching_and_events_pages(plan, staff, client):
    _award, app = geniac_award(plan, staff)
    other, other_app = geniac_award(plan, staff)
    services.request_data(actor=other_app, award=other, title="他社の要望", description="d")
    client.force_login(staff.agency)
    r = client.post(
        reverse("matching:board"),
        {
            "action": "offer",
            "offer-holder_name": "セーフィー株式会社",
            "offer-title": "店舗カメラ映像",
            "offer-description": "建設現場等の映像",
            "offer-conditions": "個人情報をマスクして提供",
        },
    )
    assert r.status_code == 302
    assert (
        client.post(
            reverse("matching:events"),
            {"title": "セミナー", "held_on": "2025-05-15", "kind": "seminar", "attendees": "40"},
        ).status_code
        == 302
    )
    client.force_login(app)
    page = client.get(reverse("matching:board"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "店舗カメラ映像" in page and "他社の要望" not in page
    assert client.post(reverse("matching:board"), {"action": "offer"}).status_code == 403
    assert "セミナー" in client.get(reverse("matching:events")).content.decode()
    outsider = f.applicant()
    client.force_login(outsider)
    assert client.get(reverse("matching:board")).status_code == 404
