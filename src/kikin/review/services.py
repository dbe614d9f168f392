"""Writes of the two-stage selection. Each function: one transaction, a role check, an audit record.

First review (ministry) → second review (agency assigns reviewers; reviewers score) → hearings →
the committee's decision (recorded by the agency) → the ministry's approval → adoption notices →
the public list of adoptions (000 lines 5165–5200).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kikin.accounts.models import Role, User, validate_researcher_number
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.calls.models import Call, Proposal, ProposalState
from kikin.calls.workflow import DECIDED_STATES, apply_transition
from kikin.core import timeutil
from kikin.core import validation as v
from kikin.core.timeutil import JST
from kikin.rules.scoring import weighted_score
from kikin.rules.selection import BEFORE_DEADLINE, NO_REVIEW, decision_refusals

from . import selectors
from .conflicts import conflict_pairs, conflict_reasons, reason_labels
from .models import (
    AdoptionPlan,
    Assignment,
    CapException,
    ConflictDeclaration,
    Criterion,
    Decision,
    DeclarationCheck,
    FirstReview,
    Hearing,
    NameMatchDecision,
    Review,
    Score,
)
from .solver_messages import infeasible_message

#: Fairness mode's bound inside a web request: the assignment stays feasible when it is reached,
#: only its optimality is then unproven (kikin.solvers.assignment).
FAIR_TIME_LIMIT_SECONDS = 30.0

#: The rubric a call gets when staff have set none.
DEFAULT_CRITERIA = [
    ("policy_fit", "政策目的との整合性", "Fit with the policy aims", 1),
    ("technology", "技術の優位性・新規性", "Technical merit and novelty", 2),
    ("feasibility", "計画の妥当性・実施体制", "Soundness of the plan and the team", 2),
    ("practical_use", "実用化・事業化の見通し", "Outlook for practical use and business", 2),
    ("cost", "費用対効果", "Cost-effectiveness", 1),
]


def check_may_decide(*, call: Call, proposal: Proposal | None = None) -> None:
    """Refuse a selection decision (the committee's decision, the ministry's approval, the
    recommended set, the result notices, their publication) while `call` still takes proposals,
    and a decision on `proposal` that no reviewer has reviewed (`kikin.rules.selection`, 000 lines
    5169–5171 and 5193). The views ask it too, before queueing a run for the worker."""
    reviews = None
    if proposal is not None:
        reviews = Review.objects.filter(
            assignment__proposal=proposal, submitted_at__isnull=False
        ).count()
    refusals = decision_refusals(
        closes_at=call.closes_at, now=timeutil.now(), submitted_reviews=reviews
    )
    errors = {}
    if BEFORE_DEADLINE in refusals:
        errors["call"] = _(
            "The call takes proposals until %(deadline)s (JST): no selection decision can be "
            "made before its deadline has passed."
        ) % {"deadline": timezone.localtime(call.closes_at, JST).strftime("%Y-%m-%d %H:%M")}
    if NO_REVIEW in refusals:
        errors["review"] = _(
            "No reviewer has submitted a review of this proposal: the committee decides only "
            "after the second review."
        )
    if errors:
        raise ValidationError(errors)


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update()
        .select_related("theme__item", "call")
        .get(pk=proposal.pk)
    )


@transaction.atomic
def decide_first_review(*, actor, proposal: Proposal, passed: bool, reason: str) -> FirstReview:
    """The ministry's first review: pass or fail, always with a reason."""
    require_role(actor, Role.MINISTRY)
    reason = v.text(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    proposal = _locked(proposal)
    apply_transition(
        proposal, "pass_first_review" if passed else "fail_first_review", actor, note=reason
    )
    return FirstReview.objects.create(
        proposal=proposal, passed=passed, reason=reason, decided_by=actor
    )


@transaction.atomic
def ensure_criteria(*, call: Call) -> list[Criterion]:
    """The call's rubric, creating the default one where staff set none."""
    existing = list(call.criteria.all())
    if existing:
        return existing
    return [
        Criterion.objects.create(
            call=call, code=code, label_ja=ja, label_en=en, weight=w, max_score=5, order=i
        )
        for i, (code, ja, en, w) in enumerate(DEFAULT_CRITERIA)
    ]


@transaction.atomic
def declare_conflict(
    *, actor, reviewer: User, reason: str, proposal: Proposal | None = None, organisation=None
) -> ConflictDeclaration:
    """A reviewer declares a conflict (or staff declare it for them). An existing assignment
    that it touches is removed, with its draft review."""
    if actor.pk != reviewer.pk:
        require_role(actor, Role.AGENCY)
    reason = v.text(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the conflict.")})
    declaration = ConflictDeclaration.objects.create(
        reviewer=reviewer,
        proposal=proposal,
        organisation=organisation,
        reason=reason,
        declared_by=actor,
    )
    affected = Assignment.objects.filter(reviewer=reviewer)
    affected = (
        affected.filter(proposal=proposal)
        if proposal
        else affected.filter(proposal__organisation=organisation)
        | affected.filter(proposal__partners__organisation=organisation)
    )
    for assignment in affected.distinct():
        record(
            actor=actor,
            action="review.unassign_conflict",
            obj=assignment.proposal,
            before={"reviewer": reviewer.pk},
        )
        assignment.delete()
    record(
        actor=actor,
        action="review.declare_conflict",
        obj=declaration,
        after={
            "reviewer": reviewer.pk,
            "proposal": getattr(proposal, "pk", None),
            "organisation": getattr(organisation, "pk", None),
        },
    )
    return declaration


def _start_second_review_if_needed(proposal: Proposal, actor) -> None:
    if proposal.state in {ProposalState.FIRST_PASSED, ProposalState.SUBMITTED}:
        apply_transition(proposal, "start_second_review", actor)


@transaction.atomic
def assign_reviewer(
    *, actor, proposal: Proposal, reviewer: User, affinity: Decimal = Decimal(0)
) -> Assignment:
    """Assign one reviewer by hand. Refused where there is a conflict of interest."""
    require_role(actor, Role.AGENCY)
    if reviewer.role != Role.REVIEWER:
        raise ValidationError({"reviewer": _("Only committee reviewers can be assigned.")})
    proposal = _locked(proposal)
    reasons = conflict_reasons(reviewer, proposal)
    if reasons:
        raise ValidationError(
            {
                "reviewer": _("Conflict of interest: %(reasons)s.")
                % {"reasons": ", ".join(reason_labels(reasons))}
            }
        )
    _start_second_review_if_needed(proposal, actor)
    assignment, created = Assignment.objects.get_or_create(
        proposal=proposal, reviewer=reviewer, defaults={"assigned_by": actor, "affinity": affinity}
    )
    if created:
        record(actor=actor, action="review.assign", obj=proposal, after={"reviewer": reviewer.pk})
    return assignment


def reviewer_pool() -> list[User]:
    return list(
        User.objects.filter(role=Role.REVIEWER, is_active=True, reviewer_profile__active=True)
        .select_related("organisation", "reviewer_profile")
        .order_by("pk")
    )


@transaction.atomic
def auto_assign(
    *,
    actor,
    call: Call,
    per_proposal: int = 3,
    min_load: int = 0,
    max_load: int | None = None,
    fair: bool = False,
) -> list[Assignment]:
    """Assign reviewers to every proposal of `call` awaiting the second review, maximising the
    total affinity of the proposals' and reviewers' own texts, with no conflicted pair, and each
    reviewer within their load. Existing assignments are kept and count toward both limits.
    """
    import numpy as np

    from kikin.solvers.affinity import affinity_scores
    from kikin.solvers.assignment import AssignmentInfeasible, assign

    require_role(actor, Role.AGENCY)
    refusals = v.Refusals()
    refusals.check(v.whole_number, per_proposal, field="per_proposal", minimum=1, maximum=20)
    refusals.check(v.whole_number, min_load, field="min_load", minimum=0, maximum=1000)
    if max_load is not None:
        refusals.check(v.whole_number, max_load, field="max_load", minimum=1, maximum=1000)
    refusals.raise_any()
    proposals = list(
        Proposal.objects.select_for_update()
        .filter(call=call)
        .filter(_awaiting_second_review())
        .select_related("theme__item", "organisation")
        .order_by("pk")
    )
    if not proposals:
        return []
    reviewers = reviewer_pool()
    if not reviewers:
        raise ValidationError({"reviewers": _("The reviewer pool is empty.")})
    max_load = (
        max_load if max_load is not None else max(r.reviewer_profile.max_load for r in reviewers)
    )
    existing = set(
        Assignment.objects.filter(proposal__in=proposals).values_list("proposal_id", "reviewer_id")
    )
    latest = _latest_contents(proposals)
    scores = affinity_scores(
        [
            {
                "title": latest[p.pk].get("title", ""),
                "abstract": latest[p.pk].get("abstract", ""),
                "plan": latest[p.pk].get("plan", ""),
            }
            for p in proposals
        ],
        [
            {"keywords": r.reviewer_profile.keyword_list(), "profile": r.reviewer_profile.profile}
            for r in reviewers
        ],
    )
    p_index = {p.pk: i for i, p in enumerate(proposals)}
    r_index = {r.pk: j for j, r in enumerate(reviewers)}
    conflicts = np.zeros(scores.shape, dtype=bool)
    for pid, rid in conflict_pairs(proposals, reviewers):
        conflicts[p_index[pid], r_index[rid]] = True
    # Existing assignments are fixed: give them a score no new pair can beat.
    for pid, rid in existing:
        if rid in r_index:
            scores[p_index[pid], r_index[rid]] = scores.max() + 1 if scores.size else 1
    try:
        result = assign(
            scores,
            conflicts,
            per_proposal=per_proposal,
            min_load=min_load,
            max_load=max_load,
            fair=fair,
            proposal_ids=[p.receipt_number for p in proposals],
            reviewer_ids=[r.username for r in reviewers],
            time_limit=FAIR_TIME_LIMIT_SECONDS,
        )
    except AssignmentInfeasible as exc:
        raise ValidationError({"assignment": infeasible_message(exc)}) from None
    made = []
    for i, j in result.pairs:
        proposal, reviewer = proposals[int(i)], reviewers[int(j)]
        if (proposal.pk, reviewer.pk) in existing:
            continue
        _start_second_review_if_needed(proposal, actor)
        made.append(
            Assignment(
                proposal=proposal,
                reviewer=reviewer,
                assigned_by=actor,
                affinity=Decimal(str(round(float(scores[int(i), int(j)]), 6))),
            )
        )
    Assignment.objects.bulk_create(made)
    for proposal in proposals:
        _start_second_review_if_needed(proposal, actor)
    record(
        actor=actor,
        action="review.auto_assign",
        obj=call,
        after={
            "proposals": len(proposals),
            "new_assignments": len(made),
            "total_score": float(result.total_score),
            "min_proposal_score": float(result.min_proposal_score),
            "fair": fair,
        },
    )
    return made


def _awaiting_second_review():
    from django.db.models import Q

    return (
        Q(state=ProposalState.FIRST_PASSED)
        | Q(state=ProposalState.IN_REVIEW)
        | Q(state=ProposalState.SUBMITTED, theme__item__first_review=False)
    )


def _latest_contents(proposals: list[Proposal]) -> dict[int, dict]:
    from kikin.calls.models import ProposalVersion

    out = {}
    for version in ProposalVersion.objects.filter(proposal__in=proposals).order_by(
        "proposal_id", "number"
    ):
        out[version.proposal_id] = version.content
    return {p.pk: out.get(p.pk, {}) for p in proposals}


@transaction.atomic
def save_review(
    *,
    actor,
    assignment: Assignment,
    scores: dict[str, int],
    comment: str = "",
    recommendation: str = "",
    submit: bool = False,
) -> Review:
    """A reviewer saves (or submits) their review. Conflicts are checked again here; a submitted
    review is final."""
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("proposal__call")
        .get(pk=assignment.pk)
    )
    if actor.pk != assignment.reviewer_id:
        raise PermissionDenied(_("Only the assigned reviewer may review."))
    if conflict_reasons(actor, assignment.proposal):
        raise PermissionDenied(_("You have a conflict of interest with this proposal."))
    if assignment.proposal.state != ProposalState.IN_REVIEW:
        raise ValidationError({"review": _("The second review of this proposal is closed.")})
    review, _created = Review.objects.get_or_create(assignment=assignment)
    if review.is_submitted:
        raise ValidationError({"review": _("A submitted review cannot be changed.")})
    criteria = ensure_criteria(call=assignment.proposal.call)
    errors = {}
    for c in criteria:
        value = scores.get(c.code)
        if value is None:
            if submit:
                errors[f"score.{c.code}"] = _("Score every criterion before submitting.")
            continue
        if not isinstance(value, int) or not 1 <= value <= c.max_score:
            errors[f"score.{c.code}"] = _("A whole number from 1 to %(n)s.") % {"n": c.max_score}
    unknown = set(scores) - {c.code for c in criteria}
    for code in unknown:
        errors[f"score.{code}"] = _("Not a criterion of this call.")
    if recommendation and recommendation not in Review.Recommendation.values:
        errors["recommendation"] = _("Choose adopt, adopt with conditions or reject.")
    if submit and not recommendation:
        errors["recommendation"] = _("Give your recommendation before submitting.")
    try:
        comment = v.text(comment, field="comment")
    except ValidationError as exc:
        errors.update({k: " ".join(m) for k, m in exc.message_dict.items()})
    if submit and not comment.strip():
        errors["comment"] = _("Give your comment before submitting.")
    if errors:
        raise ValidationError(errors)
    review.comment, review.recommendation = comment, recommendation
    review.scores.all().delete()
    Score.objects.bulk_create(
        [
            Score(review=review, criterion=c, value=scores[c.code])
            for c in criteria
            if c.code in scores
        ]
    )
    if all(c.code in scores for c in criteria):
        review.weighted_score = weighted_score(criteria, scores)
    if submit:
        review.submitted_at = timeutil.now()
    review.save()
    record(
        actor=actor,
        action="review.submit" if submit else "review.save",
        obj=assignment.proposal,
        after={
            "review": review.pk,
            "weighted_score": str(review.weighted_score)
            if review.weighted_score is not None
            else None,
        },
    )
    return review


@transaction.atomic
def schedule_hearing(
    *, actor, proposal: Proposal, scheduled_at: dt.datetime, place: str = ""
) -> Hearing:
    require_role(actor, Role.AGENCY, Role.MINISTRY)
    place = v.text(place, field="place", max_length=300)
    proposal = _locked(proposal)
    program = proposal.call.program
    opens = timezone.localtime(proposal.call.opens_at).date()
    v.date_between(
        timezone.localtime(scheduled_at).date()
        if timezone.is_aware(scheduled_at)
        else scheduled_at,
        field="scheduled_at",
        first=max(opens, program.start_date),
        last=program.end_date,
        what=_("the call's review (from its opening to the program's end)"),
    )
    if proposal.state not in {
        ProposalState.FIRST_PASSED,
        ProposalState.IN_REVIEW,
        ProposalState.SUBMITTED,
    }:
        raise ValidationError({"proposal": _("Hearings are held during the review.")})
    hearing = Hearing.objects.create(
        proposal=proposal, scheduled_at=scheduled_at, place=place, scheduled_by=actor
    )
    record(
        actor=actor,
        action="review.schedule_hearing",
        obj=proposal,
        after={"at": scheduled_at.isoformat()},
    )
    return hearing


@transaction.atomic
def record_hearing(*, actor, hearing: Hearing, notes: str) -> Hearing:
    require_role(actor, Role.AGENCY, Role.MINISTRY)
    notes = v.text(notes, field="notes")
    hearing.notes, hearing.held = notes, True
    hearing.save(update_fields=["notes", "held"])
    record(
        actor=actor,
        action="review.record_hearing",
        obj=hearing.proposal,
        after={"hearing": hearing.pk},
    )
    return hearing


@transaction.atomic
def record_decision(
    *,
    actor,
    proposal: Proposal,
    outcome: str,
    reason: str,
    conditions: str = "",
    adopted_as_item: int | None = None,
    override_reason: str = "",
) -> Decision:
    """The committee's decision, recorded by the agency: adopt, adopt with conditions (for
    example as item ③), or reject. Where it departs from the latest recommended set of the
    call, a reason for the departure is required."""
    require_role(actor, Role.AGENCY)
    proposal = _locked(proposal)
    check_may_decide(call=proposal.call, proposal=proposal)
    if outcome not in Decision.Outcome.values:
        raise ValidationError({"outcome": _("Choose adopt, adopt with conditions or reject.")})
    refusals = v.Refusals()
    reason = refusals.check(v.text, reason, field="reason")
    conditions = refusals.check(v.text, conditions, field="conditions")
    override_reason = refusals.check(v.text, override_reason, field="override_reason")
    if adopted_as_item is not None:
        items = proposal.call.program.items.values_list("number", flat=True)
        refusals.check(v.choice, adopted_as_item, field="adopted_as_item", choices=list(items))
    refusals.raise_any()
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if outcome == Decision.Outcome.ADOPT_WITH_CONDITIONS and not (
        conditions.strip() or adopted_as_item
    ):
        raise ValidationError({"conditions": _("State the conditions of adoption.")})
    if adopted_as_item is not None and outcome == Decision.Outcome.REJECT:
        raise ValidationError(
            {"adopted_as_item": _("Only an adoption can be made as another item.")}
        )
    if (
        adopted_as_item is not None
        and not proposal.theme.program.items.filter(number=adopted_as_item, move_target=True)
        .exclude(number=proposal.theme.item.number)
        .exists()
    ):
        raise ValidationError(
            {"adopted_as_item": _("The plan lets no theme be adopted as that item.")}
        )
    if outcome != Decision.Outcome.REJECT:
        _check_adoptable(proposal)
    plan = AdoptionPlan.objects.filter(call=proposal.call).first()
    if plan is not None:
        recommended = proposal.pk in set(plan.proposal_ids)
        adopting = outcome != Decision.Outcome.REJECT
        if recommended != adopting and not override_reason.strip():
            raise ValidationError(
                {
                    "override_reason": _(
                        "This departs from the recommended set of adoptions: give the reason."
                    )
                }
            )
    score = selectors.committee_score(proposal)
    apply_transition(
        proposal,
        "not_recommend" if outcome == Decision.Outcome.REJECT else "recommend",
        actor,
        note=reason,
        extra={"outcome": outcome, "committee_score": str(score) if score is not None else None},
    )
    Decision.objects.filter(
        proposal=proposal
    ).delete()  # a decision returned by the ministry is taken again
    return Decision.objects.create(
        proposal=proposal,
        outcome=outcome,
        reason=reason,
        conditions=conditions,
        adopted_as_item=adopted_as_item,
        committee_score=score,
        override_reason=override_reason,
        decided_by=actor,
    )


def undeclared_or_unconfirmed(proposal: Proposal) -> list[str]:
    """The codes of the theme's declared conditions not yet confirmed by the officer."""
    from kikin.calls.validation import proposal_eligibility

    needed = [c.code for c in proposal_eligibility(proposal).declarations_needed]
    confirmed = set(
        DeclarationCheck.objects.filter(proposal=proposal, confirmed=True).values_list(
            "code", flat=True
        )
    )
    return [code for code in needed if code not in confirmed]


def _check_adoptable(proposal: Proposal) -> None:
    """An adoption keeps every rule: the declared conditions confirmed, a request above its cap
    only with the reviewers' approved amount, and every pool the theme shares within its total."""
    from kikin.calls.validation import proposal_eligibility

    missing = undeclared_or_unconfirmed(proposal)
    if missing:
        raise ValidationError(
            {
                "declarations": _(
                    "The officer has not confirmed these declared conditions: %(codes)s."
                )
                % {"codes": ", ".join(missing)}
            }
        )
    over = [
        r
        for r in proposal_eligibility(proposal).reasons
        if r.code in ("over_cap", "over_cap_to_first_gate", "over_cap_total")
    ]
    if over:
        raise ValidationError(
            {
                "cap": _(
                    "The request is above the cap and no amount above it was approved by the selection reviewers."
                )
            }
        )
    for pool, mine, left in selectors.pool_room(proposal):
        if mine > left:
            raise ValidationError(
                {
                    "pool": _(
                        "Adopting it would take the shared cap “%(pool)s” %(over)s yen over its %(cap)s yen."
                    )
                    % {
                        "pool": pool.title_ja or pool.key,
                        "over": f"{mine - left:,}",
                        "cap": f"{pool.cap_yen:,}",
                    }
                }
            )


@transaction.atomic
def approve_cap_exception(
    *, actor, proposal: Proposal, approved_cap_yen: int, reason: str, approved_by_names: str
) -> CapException:
    """Record the selection reviewers' approval of a cap above the plan's (items whose plan
    allows it, 000 lines 4958–4966, 5137–5143): who approved, the amount and the reason."""
    from kikin.calls.validation import proposal_eligibility

    require_role(actor, Role.AGENCY)
    proposal = _locked(proposal)
    spec = proposal.theme_spec()
    if spec is None or not spec.cap_exceedable:
        raise ValidationError(
            {"approved_cap_yen": _("The plan does not let this theme's cap be exceeded.")}
        )
    if proposal.state not in (
        ProposalState.FIRST_PASSED,
        ProposalState.IN_REVIEW,
        ProposalState.SUBMITTED,
    ):
        raise ValidationError(
            {"proposal": _("Only a proposal under review can get an approved cap.")}
        )
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Give the result of the reviewers' scrutiny.")
    if not approved_by_names.strip():
        errors["approved_by_names"] = _("Name the reviewers who approved it.")
    if errors:
        raise ValidationError(errors)
    CapException.objects.filter(proposal=proposal).delete()
    proposal.__dict__.pop("cap_exception", None)
    plan_cap = proposal_eligibility(proposal, spec).cap_yen
    if plan_cap is None:
        raise ValidationError({"approved_cap_yen": _("The plan sets no cap for this proposal.")})
    if (
        isinstance(approved_cap_yen, bool)
        or not isinstance(approved_cap_yen, int)
        or approved_cap_yen <= plan_cap
    ):
        raise ValidationError(
            {
                "approved_cap_yen": _("Give an amount above the plan's cap of %(cap)s yen.")
                % {"cap": f"{plan_cap:,}"}
            }
        )
    exception = CapException.objects.create(
        proposal=proposal,
        approved_cap_yen=approved_cap_yen,
        plan_cap_yen=plan_cap,
        reason=reason,
        approved_by_names=approved_by_names,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="review.cap_exception",
        obj=proposal,
        after={"approved_cap_yen": approved_cap_yen, "plan_cap_yen": plan_cap},
        note=reason,
    )
    return exception


@transaction.atomic
def check_declarations(*, actor, proposal: Proposal, results: dict[str, bool], note: str = ""):
    """The officer confirms (or not) each condition the applicant declared, at the first review."""
    from kikin.calls.validation import proposal_eligibility

    require_role(actor, Role.AGENCY)
    proposal = _locked(proposal)
    needed = {c.code for c in proposal_eligibility(proposal).declarations_needed}
    unknown = set(results) - needed
    if unknown:
        raise ValidationError(
            {
                "declarations": _("Not conditions of this theme: %(c)s.")
                % {"c": ", ".join(sorted(unknown))}
            }
        )
    declared = set(proposal.declarations or ())
    for code, ok in results.items():
        if ok and code not in declared:
            raise ValidationError(
                {f"declarations.{code}": _("The applicant has not declared this condition.")}
            )
        DeclarationCheck.objects.update_or_create(
            proposal=proposal,
            code=code,
            defaults={"confirmed": bool(ok), "note": note, "checked_by": actor},
        )
    record(actor=actor, action="review.check_declarations", obj=proposal, after=results, note=note)
    return undeclared_or_unconfirmed(proposal)


@transaction.atomic
def approve_decision(*, actor, proposal: Proposal, approve: bool, note: str = "") -> Proposal:
    """The ministry approves the committee's decision, or returns it to the committee."""
    require_role(actor, Role.MINISTRY)
    note = v.text(note, field="note")
    proposal = _locked(proposal)
    decision = Decision.objects.select_for_update().filter(proposal=proposal).first()
    if decision is None:
        raise ValidationError({"proposal": _("The committee has not decided on this proposal.")})
    if not approve:
        if not note.strip():
            raise ValidationError({"note": _("Say why the decision is returned.")})
        return apply_transition(proposal, "return_to_committee", actor, note=note)
    check_may_decide(call=proposal.call, proposal=proposal)
    name = (
        "approve_rejection" if decision.outcome == Decision.Outcome.REJECT else "approve_adoption"
    )
    apply_transition(proposal, name, actor, note=note)
    decision.approved_by, decision.approved_at, decision.approval_note = actor, timeutil.now(), note
    decision.save(update_fields=["approved_by", "approved_at", "approval_note"])
    return proposal


@transaction.atomic
def recommend_adoptions(*, actor, call: Call) -> AdoptionPlan:
    """The set of proposals that maximises the total committee score within the call's budget
    and each proposal's cap (a MILP). Staff may depart from it with a recorded reason."""
    import numpy as np

    from kikin.calls.validation import cap_for
    from kikin.solvers.adoption import Pool, choose_adoptions

    require_role(actor, Role.AGENCY)
    check_may_decide(call=call)
    if call.budget_total_yen is None:
        raise ValidationError({"budget_total_yen": _("The call has no budget total.")})
    scored = selectors.adoption_candidates(call)
    if not scored:
        raise ValidationError({"call": _("No proposal of this call has a submitted review yet.")})
    costs = np.array([p.requested_total_yen for p, _s in scored], dtype=np.int64)
    no_cap = np.iinfo(np.int64).max
    caps = np.array(
        [no_cap if (c := cap_for(p)) is None else c for p, _s in scored], dtype=np.int64
    )
    # Every pool the call's themes share (000 lines 4916–4920, 5159), less what proposals of
    # other calls already recommended or adopted take of it.
    rooms = selectors.pool_rooms([p for p, _s in scored], exclude_call=call)
    pools: dict[str, dict] = {}
    for i, (p, _s) in enumerate(scored):
        for pool, mine, left in rooms[p.pk]:
            entry = pools.setdefault(pool.key, {"cap": left, "members": [], "amounts": []})
            entry["members"].append(i)
            entry["amounts"].append(mine)
    result = choose_adoptions(
        scores=np.array([float(s) for _p, s in scored]),
        costs_yen=costs,
        call_of=np.zeros(len(scored), dtype=np.int64),
        call_budgets_yen=np.array([call.budget_total_yen], dtype=np.int64),
        caps_yen=caps,
        pools=[
            Pool(
                key=key,
                cap_yen=max(int(p["cap"]), 0),
                members=np.array(p["members"], dtype=np.int64),
                amounts_yen=np.array(p["amounts"], dtype=np.int64),
            )
            for key, p in pools.items()
        ],
    )
    chosen = [scored[int(i)][0].pk for i in result.chosen]
    plan = AdoptionPlan.objects.create(
        call=call,
        proposal_ids=chosen,
        total_score=sum((s for p, s in scored if p.pk in set(chosen)), Decimal(0)),
        total_yen=int(sum(int(costs[int(i)]) for i in result.chosen)),
        budget_yen=call.budget_total_yen,
        proven_optimal=bool(result.proven_optimal),
        made_by=actor,
    )
    record(
        actor=actor,
        action="review.recommend_adoptions",
        obj=call,
        after={"chosen": chosen, "total_yen": plan.total_yen, "budget_yen": plan.budget_yen},
    )
    return plan


@transaction.atomic
def issue_notices(*, actor, call: Call) -> list[Proposal]:
    """Notify every decided proposal of `call` of its result (adopted or not), once its deadline
    has passed."""
    require_role(actor, Role.AGENCY)
    check_may_decide(call=call)
    now = timeutil.now()
    proposals = list(
        Proposal.objects.select_for_update()
        .filter(call=call, state__in=DECIDED_STATES, result_notified_at__isnull=True)
        .order_by("pk")
    )
    for p in proposals:
        p.result_notified_at = now
        p.save(update_fields=["result_notified_at", "updated_at"])
        if p.state == ProposalState.ADOPTED:
            Decision.objects.filter(proposal=p).update(
                notified_at=now, notice_number=f"{p.receipt_number}-N"
            )
        record(actor=actor, action="proposal.notify", obj=p, after={"state": p.state})
    return proposals


@transaction.atomic
def publish_adoptions(*, actor, call: Call) -> int:
    """Publish the call's notified adoptions on the public page. Returns how many."""
    require_role(actor, Role.AGENCY)
    check_may_decide(call=call)
    decisions = Decision.objects.select_for_update().filter(
        proposal__call=call,
        proposal__state=ProposalState.ADOPTED,
        notified_at__isnull=False,
        published_at__isnull=True,
    )
    now = timeutil.now()
    published = list(decisions)
    for decision in published:
        record(
            actor=actor,
            action="proposal.publish",
            obj=Proposal(pk=decision.proposal_id),
            after={"published_at": now.isoformat()},
        )
        # Saved one by one (not a bulk update), so that what listens to a decision's save
        # (the public search index) sees the adoption published.
        decision.published_at = now
        decision.save(update_fields=["published_at"])
    return len(published)


@transaction.atomic
def update_reviewer_profile(
    *, actor, keywords: str, profile: str, max_load: int, researcher_number: str | None = None
) -> None:
    """A reviewer keeps their expertise profile (used for automatic assignment) up to date, and
    their e-Rad researcher number (None leaves it as it is)."""
    require_role(actor, Role.REVIEWER)
    refusals = v.Refusals()
    keywords = refusals.check(v.text, keywords, field="keywords", max_length=2000)
    profile = refusals.check(v.text, profile, field="profile", max_length=20000)
    if refusals.check(v.whole_number, max_load, field="max_load") is not None and not (
        1 <= max_load <= 100
    ):
        refusals.errors["max_load"] = [_("Between 1 and 100.")]
    refusals.raise_any()
    from .models import ReviewerProfile

    if researcher_number is not None and researcher_number != actor.researcher_number:
        before = actor.researcher_number
        if researcher_number:
            try:
                validate_researcher_number(researcher_number)
            except ValidationError as exc:
                raise ValidationError({"researcher_number": exc.messages}) from None
        actor.researcher_number = researcher_number
        actor.save(update_fields=["researcher_number"])
        record(
            actor=actor,
            action="accounts.researcher_number",
            obj=actor,
            before={"researcher_number": before},
            after={"researcher_number": researcher_number},
        )

    obj, _created = ReviewerProfile.objects.update_or_create(
        user=actor, defaults={"keywords": keywords, "profile": profile, "max_load": max_load}
    )
    record(
        actor=actor,
        action="review.update_profile",
        obj=obj,
        after={"keywords": keywords, "max_load": max_load},
    )


@transaction.atomic
def decide_name_match(
    *, actor, name_a: str, name_b: str, same: bool, note: str = ""
) -> NameMatchDecision:
    """The officer decides whether two alike organisation names (a flagged near match) are one
    organisation. Confirmed: a conflict of interest wherever the names meet, and assignments it
    now touches in a review under way are withdrawn. Dismissed: no conflict from the names.
    Side effect: audit record (and one per withdrawn assignment)."""
    from kikin.accounts.identity import is_near_match, normalise_name

    from .conflicts import has_conflict, organisation_keys

    require_role(actor, Role.AGENCY)
    note = v.text(note, field="note")
    a, b = sorted((v.text(name_a, field="name_a"), v.text(name_b, field="name_b")))
    if normalise_name(a) != a or normalise_name(b) != b or not is_near_match(a, b):
        raise ValidationError({"name_a": _("These two names are not a flagged near match.")})
    decision, _created = NameMatchDecision.objects.update_or_create(
        name_a=a, name_b=b, defaults={"same": same, "note": note, "decided_by": actor}
    )
    record(
        actor=actor,
        action="review.name_match",
        obj=decision,
        after={"names": [a, b], "same": same},
        note=note,
    )
    if same:
        for assignment in Assignment.objects.filter(
            proposal__state=ProposalState.IN_REVIEW, review__submitted_at__isnull=True
        ).select_related("reviewer__organisation", "proposal__organisation"):
            keys = organisation_keys(assignment.reviewer.organisation)
            touched = f"name:{a}" in keys or f"name:{b}" in keys
            if touched and has_conflict(assignment.reviewer, assignment.proposal):
                record(
                    actor=actor,
                    action="review.unassign_conflict",
                    obj=assignment.proposal,
                    before={"reviewer": assignment.reviewer_id},
                    note=f"{a} = {b}",
                )
                assignment.delete()
    return decision


# --------------------------------------------------------------------------------------------
# The rubric and the reviewer pool, kept by the agency (from the admin: kikin.review.admin)


def _rubric_open(call: Call) -> None:
    if Score.objects.filter(criterion__call=call).exists():
        raise ValidationError(
            {"code": [_("The call's rubric cannot change once reviews have been scored.")]}
        )


@transaction.atomic
def save_criterion(
    *,
    actor,
    call: Call | None,
    code: str,
    label_ja: str,
    label_en: str,
    weight: int | None,
    max_score: int | None,
    order: int | None = None,
) -> Criterion:
    """The agency sets one criterion of a call's rubric (added, or changed by its code); the
    default rubric is written first where the call has none. Refused once any review is scored."""
    require_role(actor, Role.AGENCY)
    if call is None:
        raise ValidationError({"call": [_("Choose the call.")]})
    call = Call.objects.select_for_update().get(pk=call.pk)
    refusals = v.Refusals()
    code = refusals.check(v.text, code, field="code", max_length=32)
    if code is not None and not (
        code.isascii() and code.replace("_", "").replace("-", "").isalnum()
    ):
        refusals.errors["code"] = [_("Letters, digits, - and _ only.")]
    label_ja = refusals.check(v.text, label_ja, field="label_ja", max_length=200, required=True)
    label_en = refusals.check(v.text, label_en, field="label_en", max_length=200, required=True)
    if weight is None or refusals.check(v.whole_number, weight, field="weight", maximum=100) == 0:
        refusals.errors.setdefault("weight", []).append(_("Between 1 and 100."))
    if (
        max_score is None
        or refusals.check(v.whole_number, max_score, field="max_score", maximum=100) == 0
    ):
        refusals.errors.setdefault("max_score", []).append(_("Between 1 and 100."))
    if order is not None:
        refusals.check(v.whole_number, order, field="order", maximum=1000)
    refusals.raise_any()
    _rubric_open(call)
    ensure_criteria(call=call)
    criterion = Criterion.objects.filter(call=call, code=code).first()
    before = None
    if criterion is None:
        criterion = Criterion(call=call, code=code)
        if order is None:
            order = call.criteria.count()
    else:
        before = {
            "label_ja": criterion.label_ja,
            "label_en": criterion.label_en,
            "weight": criterion.weight,
            "max_score": criterion.max_score,
            "order": criterion.order,
        }
    after = {
        "label_ja": label_ja,
        "label_en": label_en,
        "weight": weight,
        "max_score": max_score,
        "order": criterion.order if order is None else order,
    }
    if before == after:
        raise ValidationError({"code": [_("Nothing changes.")]})
    for field, value in after.items():
        setattr(criterion, field, value)
    criterion.save()
    record(
        actor=actor,
        action="review.save_criterion",
        obj=call,
        before=before,
        after={"code": code, **after},
    )
    return criterion


@transaction.atomic
def remove_criterion(*, actor, criterion: Criterion) -> None:
    """The agency takes a criterion off a call's rubric; refused once any review is scored."""
    require_role(actor, Role.AGENCY)
    call = Call.objects.select_for_update().get(pk=criterion.call_id)
    _rubric_open(call)
    if call.criteria.count() <= 1:
        raise ValidationError({"code": [_("A rubric keeps at least one criterion.")]})
    record(
        actor=actor,
        action="review.remove_criterion",
        obj=call,
        before={"code": criterion.code, "weight": criterion.weight},
    )
    criterion.delete()


@transaction.atomic
def set_reviewer_in_pool(*, actor, profile, active: bool):
    """The agency takes a reviewer out of the pool that automatic assignment draws from (or puts
    them back); their assignments stay."""
    from .models import ReviewerProfile

    require_role(actor, Role.AGENCY)
    profile = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.active == bool(active):
        return profile
    profile.active = bool(active)
    profile.save(update_fields=["active"])
    record(
        actor=actor,
        action="review.reviewer_pool",
        obj=profile,
        before={"active": not profile.active},
        after={"active": profile.active},
    )
    return profile
