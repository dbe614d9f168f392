"""The data-holder matching board and community events: who writes, who sees what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kikin.core.timeutil import today_jst
from kikin.matching import selectors, services
from kikin.matching.models import IntroductionOutcome
from tests.compute.helpers import geniac_award

pytestmark = pytest.mark.django_db


def test_matching_board_and_events(plan, staff):
    award, app = geniac_award(plan, staff)
    other, other_app = geniac_award(plan, staff)
    with pytest.raises(PermissionDenied):
        services.offer_data(
            actor=app,
            holder_name="ソフトバンク株式会社",
            title="コールセンター音声",
            description="d",
            conditions="c",
        )
    offer = services.offer_data(
        actor=staff.agency,
        holder_name="ソフトバンク株式会社",
        title="コールセンター会話音声データ",
        description="ロールプレイから収集した音声・言語データセット",
        conditions="研究開発目的に限る。第三者提供不可。",
    )
    with pytest.raises(ValidationError) as exc:
        services.offer_data(
            actor=staff.agency, holder_name="x", title="", description="d", conditions=""
        )
    assert set(exc.value.message_dict) == {"title", "conditions"}
    mine = services.request_data(
        actor=app, award=award, title="日本語の対話音声", description="10万時間規模"
    )
    theirs = services.request_data(
        actor=staff.agency, award=other, title="製薬文献", description="化学構造付き"
    )
    with pytest.raises(PermissionDenied):
        services.request_data(actor=other_app, award=award, title="t", description="d")
    with pytest.raises(PermissionDenied):
        services.introduce(actor=app, offer=offer, request=mine)
    intro = services.introduce(actor=staff.agency, offer=offer, request=mine, note="10/10 顔合わせ")
    assert intro.outcome == IntroductionOutcome.PENDING
    with pytest.raises(ValidationError):
        services.introduce(actor=staff.agency, offer=offer, request=mine)
    services.record_introduction_outcome(
        actor=staff.agency, introduction=intro, outcome="agreed", note="利用契約締結"
    )
    intro.refresh_from_db()
    assert intro.outcome == "agreed" and intro.decided_at is not None
    with pytest.raises(ValidationError):
        services.record_introduction_outcome(
            actor=staff.agency, introduction=intro, outcome="maybe"
        )
    services.introduce(actor=staff.agency, offer=offer, request=theirs)
    # The developer sees the open offers and only their own organisation's notices and introductions.
    board = selectors.matching_board(app)
    assert [r.pk for r in board.requests] == [mine.pk] and [i.pk for i in board.introductions] == [
        intro.pk
    ]
    assert [o.pk for o in board.offers] == [offer.pk]
    staff_board = selectors.matching_board(staff.ministry)
    assert len(staff_board.requests) == 2 and staff_board.counts == {
        "pending": 1,
        "agreed": 1,
        "declined": 0,
    }
    services.close_posting(actor=staff.agency, posting=offer)
    assert selectors.matching_board(app).offers == []
    with pytest.raises(ValidationError):
        services.introduce(actor=staff.agency, offer=offer, request=mine)  # closed

    with pytest.raises(PermissionDenied):
        services.record_event(actor=app, title="t", held_on=today_jst(), kind="seminar")
    services.record_event(
        actor=staff.agency,
        title="採択者顔合わせ",
        held_on=dt.date(2024, 10, 10),
        kind="exchange",
        attendees=120,
    )
    services.record_event(
        actor=staff.agency,
        title="開発者・ユーザーマッチング",
        held_on=dt.date(2025, 5, 15),
        kind="matching",
        attendees=80,
    )
    with pytest.raises(ValidationError):
        services.record_event(actor=staff.agency, title="t", held_on=today_jst(), kind="party")
    totals = {
        t["kind"]: (t["events"], t["attendees"]) for t in selectors.event_totals(selectors.events())
    }
    assert totals == {"seminar": (0, 0), "exchange": (1, 120), "matching": (1, 80)}
