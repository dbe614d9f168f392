"""Conflicts of interest by identity, near matches for the officer, and blind review."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kikin.accounts.identity import (
    is_near_match,
    normalise_name,
    valid_corporate_number,
)
from kikin.calls.models import PeerReviews
from kikin.calls.services import save_draft, submit_proposal
from kikin.review import services
from kikin.review.conflicts import conflict_pairs, conflict_reasons
from kikin.review.models import Assignment, NameMatchDecision
from tests import factories as f

# --- identity, pure -------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["7000012050002", "1180301018771", "７００００１２０５０００２"])
def test_valid_corporate_numbers(number):
    assert valid_corporate_number(number)


@pytest.mark.parametrize(
    "number", ["7000012050003", "1180301018772", "123456789012", "70000120500021", "abc", ""]
)
def test_invalid_corporate_numbers(number):
    assert not valid_corporate_number(number)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_exactly_one_check_digit_fits_each_number(base):
    assert sum(valid_corporate_number(f"{d}{base}") for d in "0123456789") == 1


@pytest.mark.parametrize(
    "written",
    [
        "株式会社ＡＢＣテック",
        "ABCテック株式会社",
        "ＡＢＣ　テック（株）",
        "㈱abcテック",
        "abc テック co., ltd.",
        "ABC TECH Co.,Ltd.".replace("TECH", "テック"),
        "abcテック Inc.",
        "abcテック　Corporation",
    ],
)
def test_one_organisation_however_written(written):
    assert normalise_name(written) == "abcテック"


def test_legal_forms_of_public_bodies_and_english_names():
    assert normalise_name("国立研究開発法人 産業技術総合研究所") == normalise_name(
        "産業技術総合研究所"
    )
    assert normalise_name("Toyota Motor Corporation") == normalise_name("TOYOTA MOTOR CORP.")


def test_near_matches():
    assert is_near_match(
        normalise_name("量子計測ラボラトリー"), normalise_name("量子計測ラボラトリ")
    )
    assert not is_near_match("第1研究所", "第2研究所")  # numbers tell organisations apart
    assert not is_near_match("abc", "abd")  # too short to say
    assert not is_near_match("量子計測ラボ", "光通信システム")


# --- conflicts, against the database ----------------------------------------------------------


def _submitted(plan, partner_name="", partner_number="", org=None):
    applicant = f.applicant(org)
    p = f.complete_proposal(applicant, f.open_call(plan))
    if partner_name:
        save_draft(
            actor=applicant,
            proposal=p,
            fields={},
            partners=[
                {
                    "name": partner_name,
                    "corporate_number": partner_number,
                    "country": "JP",
                    "relation": "independent",
                    "special_capability": "",
                }
            ],
        )
    submit_proposal(actor=applicant, proposal=p, submission_key=f"id-{p.pk}")
    return p


@pytest.mark.django_db
@pytest.mark.parametrize(
    "partner",
    [
        "ｅｘａｍｐｌｅ　ｒｏｂｏｔｉｃｓ",
        "example robotics",
        "ExampleRobotics",
        "Example Robotics Inc.",
    ],
)
def test_a_partner_written_otherwise_is_still_a_conflict(plan, partner):
    org = f.organisation(name="株式会社エグザンプル")
    org.name_en = "Example Robotics Co., Ltd."
    org.save()
    reviewer = f.reviewer(org)
    p = _submitted(plan, partner)
    assert "partner_organisation" in conflict_reasons(reviewer, p)
    assert (p.pk, reviewer.pk) in conflict_pairs([p], [reviewer])
    agency = f.user("agency")
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    assert "a partner is the reviewer's organisation" in refused.value.message_dict["reviewer"][0]


@pytest.mark.django_db
def test_corporate_numbers_decide_where_both_are_known(plan):
    org = f.organisation(name="同名商事株式会社")
    org.corporate_number = "7000012050002"
    org.save()
    reviewer = f.reviewer(org)
    same_number = _submitted(plan, "まったく別の表記", "7000012050002")
    other_number = _submitted(plan, "同名商事", "1180301018771")
    assert "partner_organisation" in conflict_reasons(reviewer, same_number)
    assert conflict_reasons(reviewer, other_number) == []
    pairs = conflict_pairs([same_number, other_number], [reviewer])
    assert pairs == {(same_number.pk, reviewer.pk)}


@pytest.mark.django_db
def test_a_near_match_is_flagged_until_the_officer_decides(plan, client):
    reviewer = f.reviewer(f.organisation(name="量子計測ラボラトリー株式会社"))
    p = _submitted(plan, "量子計測ラボラトリ")
    assert conflict_reasons(reviewer, p) == ["possible_match"]
    assert (p.pk, reviewer.pk) in conflict_pairs([p], [reviewer])
    agency = f.user("agency")
    client.force_login(agency)
    panel = client.get(reverse("review:proposal", args=[p.pk])).content.decode()
    assert 'id="name-matches"' in panel and "量子計測ラボラトリ" in panel
    url = reverse("review:proposal_action", args=[p.pk, "name_match"])
    a, b = "量子計測ラボラトリ", "量子計測ラボラトリー"
    client.post(url, {"name_a": a, "name_b": b, "same": "0", "note": "別法人"})
    assert NameMatchDecision.objects.get().same is False
    assert conflict_reasons(reviewer, p) == []
    services.decide_first_review(actor=f.user("ministry"), proposal=p, passed=True, reason="合致")
    services.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    # Confirmed the same after all: a conflict, and the assignment is withdrawn.
    client.post(url, {"name_a": b, "name_b": a, "same": "1"})
    assert conflict_reasons(reviewer, p) == ["confirmed_match"]
    assert not Assignment.objects.filter(proposal=p, reviewer=reviewer).exists()
    # A made-up pair is refused.
    client.post(url, {"name_a": "abcdef", "name_b": "xyz123", "same": "1"})
    assert NameMatchDecision.objects.count() == 1


@pytest.mark.django_db
def test_automatic_assignment_keeps_conflicted_and_flagged_reviewers_off(plan):
    call = f.open_call(plan)
    near = f.reviewer(f.organisation(name="量子計測ラボラトリー株式会社"), keywords="仮想化")
    same = f.reviewer(f.organisation(name="ＡＢＣテック"), keywords="仮想化")
    free = [f.reviewer(keywords="仮想化") for _ in range(3)]
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    save_draft(
        actor=applicant,
        proposal=p,
        fields={},
        partners=[
            {"name": n, "country": "JP", "relation": "independent", "special_capability": ""}
            for n in ("量子計測ラボラトリ", "abc テック co., ltd.")
        ],
    )
    submit_proposal(actor=applicant, proposal=p, submission_key="auto-id")
    from kikin.review.services import decide_first_review

    decide_first_review(actor=f.user("ministry"), proposal=p, passed=True, reason="合致")
    made = services.auto_assign(actor=f.user("agency"), call=call, per_proposal=3)
    assigned = {a.reviewer_id for a in made}
    assert near.pk not in assigned and same.pk not in assigned
    assert assigned == {r.pk for r in free}


# --- blind review ------------------------------------------------------------------------------


def _in_review_with_two_reviewers(plan, setting=PeerReviews.AFTER_OWN):
    call = f.open_call(plan)
    call.peer_reviews = setting
    call.save()
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"blind-{p.pk}")
    services.decide_first_review(actor=f.user("ministry"), proposal=p, passed=True, reason="合致")
    agency = f.user("agency")
    first, second = f.reviewer(), f.reviewer()
    first.display_name, second.display_name = "審査 一郎", "審査 二郎"
    first.save()
    second.save()
    a1 = services.assign_reviewer(actor=agency, proposal=p, reviewer=first)
    a2 = services.assign_reviewer(actor=agency, proposal=p, reviewer=second)
    codes = [c.code for c in services.ensure_criteria(call=call)]
    services.save_review(
        actor=first,
        assignment=a1,
        scores=dict.fromkeys(codes, 4),
        comment="一郎の所見",
        recommendation="adopt",
        submit=True,
    )
    return p, first, second, a2, codes, agency


@pytest.mark.django_db
def test_a_reviewer_sees_others_reviews_only_after_their_own_and_never_their_names(plan, client):
    p, _first, second, a2, codes, agency = _in_review_with_two_reviewers(plan)
    client.force_login(second)
    detail = reverse("calls:proposal_detail", args=[p.pk])
    page = client.get(detail).content.decode()
    assert "一郎の所見" not in page and "審査 一郎" not in page
    services.save_review(
        actor=second,
        assignment=a2,
        scores=dict.fromkeys(codes, 3),
        comment="二郎の所見",
        recommendation="reject",
        submit=True,
    )
    page = client.get(detail).content.decode()
    assert "一郎の所見" in page and "審査 一郎" not in page and "審査委員" in page
    form = client.get(reverse("review:review_form", args=[a2.pk])).content.decode()
    assert "一郎の所見" in form and "審査 一郎" not in form
    client.force_login(agency)
    staff = client.get(detail).content.decode()
    assert "審査 一郎" in staff and "審査 二郎" in staff  # the staff see who wrote what


@pytest.mark.django_db
def test_a_call_may_keep_reviews_apart_or_open_them_after_the_decision(plan, client):
    p, _first, second, a2, codes, agency = _in_review_with_two_reviewers(plan, PeerReviews.NEVER)
    services.save_review(
        actor=second,
        assignment=a2,
        scores=dict.fromkeys(codes, 3),
        comment="二郎の所見",
        recommendation="reject",
        submit=True,
    )
    client.force_login(second)
    detail = reverse("calls:proposal_detail", args=[p.pk])
    assert "一郎の所見" not in client.get(detail).content.decode()
    p.call.peer_reviews = PeerReviews.AFTER_DECISION
    p.call.save()
    assert "一郎の所見" not in client.get(detail).content.decode()
    f.close_call(p.call)  # the committee decides once the deadline has passed
    services.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    assert "一郎の所見" in client.get(detail).content.decode()
