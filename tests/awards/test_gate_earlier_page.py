"""Bringing the first stage gate forward from the award's page (000 lines 5300–5302)."""

import datetime as dt

import pytest
from django.utils import translation

from kikin.awards import services
from kikin.core.feedback import field_label
from tests.factories import adopted

pytestmark = pytest.mark.django_db


def test_the_agency_brings_the_gate_forward_from_the_page(client, plan):
    p, app, _ministry, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    due = award.stage_gate_due
    url = f"/awards/{award.pk}/gate-earlier/"
    client.force_login(agency)
    page = client.get(f"/awards/{award.pk}/").content.decode()
    assert 'id="gate-earlier-form"' in page
    response = client.post(
        url,
        {"on": (due + dt.timedelta(days=1)).isoformat(), "reason": "採択審査で前倒しを認めた"},
        follow=True,
    )
    with translation.override("ja"):
        label = field_label("on")
    assert label in response.content.decode()  # later than the due date: refused, the field named
    award.refresh_from_db()
    assert award.stage_gate_due == due
    earlier = due - dt.timedelta(days=120)
    client.post(url, {"on": earlier.isoformat(), "reason": "採択審査で前倒しを認めた"})
    award.refresh_from_db()
    assert (
        award.stage_gate_due == earlier
        and award.gate_reviews.get(number=1).scheduled_for == earlier
    )
    client.force_login(app)
    client.post(url, {"on": (earlier - dt.timedelta(days=10)).isoformat(), "reason": "x"})
    award.refresh_from_db()
    assert award.stage_gate_due == earlier  # the implementer cannot move it
    assert 'id="gate-earlier-form"' not in client.get(f"/awards/{award.pk}/").content.decode()
