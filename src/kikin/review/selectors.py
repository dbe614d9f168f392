"""Reads of the selection. Reviews are confidential: these decide who sees which. The committee's
scores, the pools' room and the adoption recommendation's candidates are read here, in a constant
number of queries whatever the number of proposals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kikin.accounts.models import Role
from kikin.calls.models import Call, PeerReviews, Proposal, ProposalState
from kikin.calls.selectors import CALL_PROPOSAL_LIST
from kikin.calls.validation import call_date
from kikin.core.listing import Sort
from kikin.programs.selectors import terms_in_force_many
from kikin.rules import scoring

from .models import Assignment, Decision, Review

#: Proposal states in which the committee has decided (for PeerReviews.AFTER_DECISION).
DECIDED_BY_COMMITTEE = {
    ProposalState.RECOMMENDED,
    ProposalState.NOT_RECOMMENDED,
    ProposalState.ADOPTED,
    ProposalState.REJECTED,
}


def reviewer_sees_others(user, proposal: Proposal) -> bool:
    """Whether a reviewer may read the other reviewers' submitted reviews of `proposal`, as its
    call sets it (PeerReviews; by default once their own review is submitted)."""
    setting = proposal.call.peer_reviews
    if setting == PeerReviews.NEVER:
        return False
    if setting == PeerReviews.AFTER_DECISION:
        return proposal.state in DECIDED_BY_COMMITTEE
    return Review.objects.filter(
        assignment__proposal=proposal, assignment__reviewer=user, submitted_at__isnull=False
    ).exists()


def reviews_visible_to(user, proposal: Proposal) -> QuerySet[Review]:
    """Staff see every submitted review. A reviewer sees their own, and the others' submitted
    reviews when the call allows it (`reviewer_sees_others`); never their names (see
    `with_authors`). Applicants and outsiders see none."""
    qs = (
        Review.objects.filter(assignment__proposal=proposal)
        .select_related("assignment__reviewer")
        .prefetch_related("scores__criterion")
    )
    if not user.is_authenticated:
        return qs.none()
    if user.role in {Role.MINISTRY, Role.AGENCY}:
        return qs.filter(submitted_at__isnull=False)
    if user.role == Role.REVIEWER:
        own = qs.filter(assignment__reviewer=user)
        if reviewer_sees_others(user, proposal):
            return qs.filter(submitted_at__isnull=False) | own
        return own
    return qs.none()


def with_authors(reviews, user) -> list[Review]:
    """The reviews, each with `.author` as `user` may see it: staff see the reviewer's name; a
    reviewer sees “you” for their own and “Reviewer 1, 2 …” (by assignment) for the others."""
    reviews = list(reviews)
    staff = getattr(user, "role", None) in {Role.MINISTRY, Role.AGENCY}
    order = {aid: n for n, aid in enumerate(sorted({r.assignment_id for r in reviews}), 1)}
    for r in reviews:
        if staff:
            r.author = str(r.assignment.reviewer)
        elif r.assignment.reviewer_id == getattr(user, "pk", None):
            r.author = str(_("Your review"))
        else:
            r.author = str(_("Reviewer %(n)s") % {"n": order[r.assignment_id]})
    return reviews


def panel_reviewers(proposal: Proposal) -> dict:
    """One proposal's panel: its assignments (with each reviewer's organisation and review),
    every other active reviewer as a candidate with the labels of their conflicts, and the near
    matches of names awaiting the officer's decision. Constant queries whatever the number of
    reviewers (`conflicts.reviewer_conflicts` reads them all at once)."""
    from kikin.accounts.models import User

    from .conflicts import reason_labels, reviewer_conflicts

    reviewers = list(
        User.objects.filter(role=Role.REVIEWER, is_active=True)
        .select_related("organisation")
        .order_by("username")
    )
    assignments = list(proposal.assignments.select_related("reviewer__organisation", "review"))
    assigned = {a.reviewer_id for a in assignments}
    conflicts = reviewer_conflicts(reviewers, proposal)
    return {
        "assignments": assignments,
        "candidates": [
            (r, reason_labels(conflicts[r.pk][0])) for r in reviewers if r.pk not in assigned
        ],
        "flags": [(r, m) for r in reviewers for m in conflicts[r.pk][1] if m.same is None],
    }


def assignments_for_reviewer(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(reviewer=user, proposal__state=ProposalState.IN_REVIEW)
        .select_related("proposal__call", "proposal__theme__item", "review")
        .order_by("proposal__call__closes_at", "proposal_id")
    )


def published_adoptions() -> QuerySet[Decision]:
    """What the public may see: adoptions notified and published."""
    return (
        Decision.objects.filter(published_at__isnull=False, proposal__state=ProposalState.ADOPTED)
        .select_related("proposal__call", "proposal__theme__item", "proposal__organisation")
        .order_by("-published_at", "proposal__receipt_number")
    )


def committee_scores(proposals) -> dict[int, Decimal | None]:
    """Each proposal's committee score (`kikin.rules.scoring.committee_score`: the mean weighted
    score of its submitted reviews, None before any), by proposal id, in one query."""
    proposals = list(proposals)
    found: dict[int, list[Decimal]] = defaultdict(list)
    if proposals:
        for proposal_id, score in Review.objects.filter(
            assignment__proposal__in=proposals,
            submitted_at__isnull=False,
            weighted_score__isnull=False,
        ).values_list("assignment__proposal_id", "weighted_score"):
            found[proposal_id].append(score)
    return {p.pk: scoring.committee_score(found.get(p.pk, ())) for p in proposals}


def committee_score(proposal: Proposal) -> Decimal | None:
    """The mean weighted score of the proposal's submitted reviews, or None before any."""
    return committee_scores([proposal])[proposal.pk]


def with_theme_specs(proposals: list[Proposal]) -> list[Proposal]:
    """The proposals, each with its theme's spec as the terms in force on its call's date set it
    (what `Proposal.theme_spec` reads), in one query for all. Their `theme` and `call` should be
    selected with them."""
    todo = [p for p in proposals if not hasattr(p, "_theme_spec")]
    found = terms_in_force_many((p.theme, call_date(p)) for p in todo)
    for p, in_force in zip(todo, found, strict=True):
        p._theme_spec = in_force.terms.as_spec() if in_force.terms else None
    return proposals


def pool_rooms(proposals, *, exclude_call: Call | None = None) -> dict[int, list[tuple]]:
    """For each proposal, by id: for each pool its theme belongs to, (pool, what the proposal
    counts, what is left of the pool after the proposals already recommended or adopted, other
    than itself and those of `exclude_call`), in exact yen (000 lines 4916–4920, 5159). One query
    per program with pools, whatever the number of proposals."""
    from kikin.rules.eligibility import pool_amount

    proposals = with_theme_specs(list(proposals))
    out: dict[int, list[tuple]] = {p.pk: [] for p in proposals}
    by_program: dict[int, list[Proposal]] = defaultdict(list)
    for p in proposals:
        by_program[p.theme.program_id].append(p)
    for members in by_program.values():
        rules = members[0].theme.program.plan_rules()
        pools_of = {
            p.pk: rules.pools_of(p.theme_spec()) if p.theme_spec() is not None else ()
            for p in members
        }
        if not any(pools_of.values()):
            continue
        taken = Proposal.objects.filter(
            theme__program_id=members[0].theme.program_id,
            state__in=[ProposalState.RECOMMENDED, ProposalState.ADOPTED],
        )
        if exclude_call is not None:
            taken = taken.exclude(call=exclude_call)
        others = with_theme_specs(
            list(taken.select_related("theme__item", "call").prefetch_related("budget_lines"))
        )
        counted = [
            (o, o.theme_spec(), {b.fiscal_year: b.requested_yen for b in o.budget_lines.all()})
            for o in others
            if o.theme_spec() is not None
        ]
        for p in members:
            spec = p.theme_spec()
            for pool in pools_of[p.pk]:
                used = sum(
                    pool_amount(o_spec, rules, pool, years)
                    for o, o_spec, years in counted
                    if o.pk != p.pk and pool in rules.pools_of(o_spec)
                )
                mine = pool_amount(
                    spec,
                    rules,
                    pool,
                    {b.fiscal_year: b.requested_yen for b in p.budget_lines.all()},
                )
                out[p.pk].append((pool, mine, pool.cap_yen - used))
    return out


def pool_room(proposal: Proposal, *, exclude_call: Call | None = None) -> list[tuple]:
    """`pool_rooms` of one proposal."""
    return pool_rooms([proposal], exclude_call=exclude_call)[proposal.pk]


#: The proposals an adoption recommendation chooses among.
RECOMMENDABLE = [ProposalState.IN_REVIEW, ProposalState.RECOMMENDED, ProposalState.NOT_RECOMMENDED]


def adoption_candidates(call: Call) -> list[tuple[Proposal, Decimal]]:
    """The call's proposals in review or recommended (or not) that have a committee score, with
    it, by id; each with what its eligibility and pools read (theme, program, organisation,
    partners, budget lines, cap exception, theme spec) already loaded: a constant number of
    queries whatever the number of proposals."""
    proposals = list(
        Proposal.objects.filter(call=call, state__in=RECOMMENDABLE)
        .select_related("theme__item", "theme__program", "call", "organisation", "cap_exception")
        .prefetch_related("budget_lines", "partners")
        .order_by("pk")
    )
    programs: dict[int, object] = {}
    for p in proposals:  # one instance per program: its plan's rules are parsed once
        p.theme.program = programs.setdefault(p.theme.program_id, p.theme.program)
    with_theme_specs(proposals)
    scores = committee_scores(proposals)
    return [(p, scores[p.pk]) for p in proposals if scores[p.pk] is not None]


def call_panel_scores(call: Call, proposals) -> dict[int, dict]:
    """The call panel's view of the second review, for the staff. `rows`: for each of
    `proposals` (a page of `call`'s), by id, its reviewers (`assignments`, each with its reviewer and review:
    the weighted score and whether it is submitted), its committee score
    (`kikin.rules.scoring.committee_score` of the submitted reviews) and its rank among all the
    call's scored proposals (`kikin.rules.scoring.ranking`: equal scores share a rank);
    `scored`: how many of the call's proposals have a committee score. Two queries whatever the number of proposals and reviewers. Reviewers' names are for the staff
    only: never call it for a page a reviewer sees."""
    proposals = list(proposals)
    found: dict[int, list[Decimal]] = defaultdict(list)
    for proposal_id, score in Review.objects.filter(
        assignment__proposal__call=call,
        submitted_at__isnull=False,
        weighted_score__isnull=False,
    ).values_list("assignment__proposal_id", "weighted_score"):
        found[proposal_id].append(score)
    scores = {pk: scoring.committee_score(values) for pk, values in found.items()}
    ranks = scoring.ranking(scores)
    rows: dict[int, dict] = {
        p.pk: {
            "assignments": [],
            "committee_score": scores.get(p.pk),
            "rank": ranks.get(p.pk),
            "submitted": 0,
        }
        for p in proposals
    }
    if proposals:
        for a in (
            Assignment.objects.filter(proposal__in=proposals)
            .select_related("reviewer", "review")
            .order_by("proposal_id", "assigned_at", "pk")
        ):
            row = rows[a.proposal_id]
            row["assignments"].append(a)
            review = getattr(a, "review", None)
            if review is not None and review.submitted_at is not None:
                row["submitted"] += 1
    return {"rows": rows, "scored": len(ranks)}


def committee_score_order():
    """The mean of a proposal's submitted weighted scores as an SQL expression (None before
    any), to sort a call's proposals by their committee score in the list's own query."""
    from django.db.models import Avg, DecimalField, OuterRef, Subquery

    return Subquery(
        Review.objects.filter(
            assignment__proposal=OuterRef("pk"),
            submitted_at__isnull=False,
            weighted_score__isnull=False,
        )
        .order_by()
        .values("assignment__proposal")
        .annotate(mean=Avg("weighted_score"))
        .values("mean")[:1],
        output_field=DecimalField(max_digits=8, decimal_places=3),
    )


#: One call's proposals on the selection's panel, sortable also by their committee score
#: (`?sort=-score`: the ranking, highest first).
CALL_PANEL_LIST = replace(
    CALL_PROPOSAL_LIST,
    sorts={
        **CALL_PROPOSAL_LIST.sorts,
        "score": Sort(_lazy("Committee score"), committee_score_order),
    },
)
