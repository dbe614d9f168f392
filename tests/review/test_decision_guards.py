"""The selection decides only after the call's deadline, and on a proposal only once a reviewer
has submitted a review (kikin.rules.selection, 000 lines 5169–5171 and 5193): the services
refuse it whoever calls them, the pages say so as a message, in the reader's language."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.calls.models import ProposalState
from kikin.calls.services import submit_proposal
from kikin.jobs.models import Job
from kikin.review import services
from kikin.review.models import AdoptionPlan, Decision
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plan):
    """A proposal past the first review with one reviewer assigned, its call still open."""
    call = f.open_call(plan, themes=("1-a1",), budget_yen=5_000_000_000)
    applicant = f.applicant()
    ministry, agency, reviewer = f.user(Role.MINISTRY), f.user(Role.AGENCY), f.reviewer()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"g{p.pk}")
    services.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    a = services.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    p.refresh_from_db()
    return {"call": call, "proposal": p, "agency": agency, "ministry": ministry, "assignment": a}


def _review(w, *, submit=True):
    codes = [c.code for c in services.ensure_criteria(call=w["call"])]
    return services.save_review(
        actor=w["assignment"].reviewer,
        assignment=w["assignment"],
        scores=dict.fromkeys(codes, 4),
        comment="妥当",
        recommendation="adopt",
        submit=submit,
    )


def _decide(w, outcome="adopt"):
    return services.record_decision(
        actor=w["agency"], proposal=w["proposal"], outcome=outcome, reason="委員会の結論"
    )


def test_no_committee_decision_before_the_deadline(world):
    w = world
    _review(w)
    for outcome in ("adopt", "reject"):
        with pytest.raises(ValidationError) as exc:
            _decide(w, outcome)
        assert "締切を過ぎるまで" in " ".join(exc.value.message_dict["call"])  # in Japanese
    w["proposal"].refresh_from_db()
    assert w["proposal"].state == ProposalState.IN_REVIEW
    assert not Decision.objects.filter(proposal=w["proposal"]).exists()
    f.close_call(w["call"])
    _decide(w)
    w["proposal"].refresh_from_db()
    assert w["proposal"].state == ProposalState.RECOMMENDED


def test_no_committee_decision_without_a_submitted_review(world):
    w = world
    f.close_call(w["call"])
    with pytest.raises(ValidationError) as exc:
        _decide(w, "reject")  # a rejection too rests on the second review
    assert set(exc.value.message_dict) == {"review"}
    _review(w, submit=False)  # a draft is no review yet
    with pytest.raises(ValidationError) as exc:
        _decide(w)
    assert "二次審査" in " ".join(exc.value.message_dict["review"])
    assert not Decision.objects.filter(proposal=w["proposal"]).exists()
    _review(w)
    _decide(w)
    assert Decision.objects.filter(proposal=w["proposal"]).exists()


def test_the_ministry_approves_only_after_the_deadline(world):
    """A call whose deadline is moved later (a correction) after the committee decided: the
    ministry's approval waits for the new deadline; returning the decision does not."""
    w = world
    _review(w)
    f.close_call(w["call"])
    _decide(w)
    f.reopen_call(w["call"])
    with pytest.raises(ValidationError) as exc:
        services.approve_decision(actor=w["ministry"], proposal=w["proposal"], approve=True)
    assert "call" in exc.value.message_dict
    w["proposal"].refresh_from_db()
    assert w["proposal"].state == ProposalState.RECOMMENDED
    services.approve_decision(
        actor=w["ministry"], proposal=w["proposal"], approve=False, note="再審議"
    )
    w["proposal"].refresh_from_db()
    assert w["proposal"].state == ProposalState.IN_REVIEW


def test_no_recommended_set_notice_or_publication_before_the_deadline(world):
    w = world
    _review(w)
    call, agency = w["call"], w["agency"]
    for service in (
        services.recommend_adoptions,
        services.issue_notices,
        services.publish_adoptions,
    ):
        with pytest.raises(ValidationError) as exc:
            service(actor=agency, call=call)
        assert "call" in exc.value.message_dict, service.__name__
    assert not AdoptionPlan.objects.filter(call=call).exists()
    f.close_call(call)
    assert services.recommend_adoptions(actor=agency, call=call).proposal_ids == [w["proposal"].pk]
    assert services.issue_notices(actor=agency, call=call) == []


@pytest.mark.parametrize(
    ("language", "deadline_words", "review_words"),
    [
        ("en", "deadline has passed", "second review"),
        ("ja", "締切を過ぎるまで", "二次審査"),
    ],
)
def test_the_pages_say_why_in_the_readers_language(
    world, client, language, deadline_words, review_words
):
    w = world
    p, call = w["proposal"], w["call"]
    client.force_login(w["agency"])
    panel = reverse("review:proposal", args=[p.pk])
    # Before the deadline: the panel explains instead of offering the decision form, and a
    # decision posted anyway is refused with a message, not a server error.
    page = client.get(panel, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'id="decision-refused"' in page and deadline_words in page
    assert reverse("review:proposal_action", args=[p.pk, "decide"]) not in page
    response = client.post(
        reverse("review:proposal_action", args=[p.pk, "decide"]),
        {"outcome": "adopt", "reason": "採択"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400  # the panel again, with why
    shown = [str(m) for m in response.context["messages"]]
    assert any(deadline_words in m for m in shown), shown
    assert any(review_words in m for m in shown), shown  # no review submitted either
    assert not Decision.objects.filter(proposal=p).exists()
    # The call's panel: no recommended set, notices or publication offered, and none made.
    call_page = client.get(reverse("review:call", args=[call.pk]), HTTP_ACCEPT_LANGUAGE=language)
    html = call_page.content.decode()
    assert deadline_words in html
    for action in ("recommend", "notify", "publish"):
        assert reverse("review:call_action", args=[call.pk, action]) not in html
        response = client.post(
            reverse("review:call_action", args=[call.pk, action]),
            follow=True,
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("review:call", args=[call.pk])
        shown = [str(m) for m in response.context["messages"]]
        assert any(deadline_words in m for m in shown), (action, shown)
    assert not Job.objects.filter(kind="review.recommend_adoptions").exists()
    # After the deadline, with a review submitted, the form is offered and the decision is made.
    _review(w)
    f.close_call(call)
    page = client.get(panel, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'id="decision-refused"' not in page
    assert reverse("review:proposal_action", args=[p.pk, "decide"]) in page
    client.post(
        reverse("review:proposal_action", args=[p.pk, "decide"]),
        {"outcome": "adopt", "reason": "採択"},
    )
    assert Decision.objects.get(proposal=p).outcome == "adopt"


def test_a_refused_form_on_the_panel_keeps_what_was_typed(world, client):
    w = world
    p = w["proposal"]
    _review(w)
    f.close_call(w["call"])
    client.force_login(w["agency"])
    response = client.post(
        reverse("review:proposal_action", args=[p.pk, "decide"]),
        {"outcome": "reject", "reason": "", "conditions": "試作機を年度内に納める"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="試作機を年度内に納める"' in html
    assert '<option value="reject" selected>' in html
    assert not Decision.objects.filter(proposal=p).exists()
    response = client.post(
        reverse("review:proposal_action", args=[p.pk, "hearing"]),
        {"scheduled_at": "2027-13-40T10:00", "place": "第3会議室"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="第3会議室"' in html and 'value="2027-13-40T10:00"' in html
    assert not p.hearings.exists()
