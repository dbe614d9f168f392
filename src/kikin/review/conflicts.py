"""Conflicts of interest, enforced everywhere a reviewer meets a proposal: in assignment, in
what a reviewer may open, and in scoring.

A reviewer has a conflict with a proposal where their organisation is the proposing
organisation or one of its partners, or where they (or staff for them) declared one, with the
proposal or with the proposing or a partner organisation. Organisations are matched by identity
(kikin.accounts.identity): the same corporate number (法人番号) where both have one, otherwise the
same name once normalised (Unicode NFKC, case, spaces, legal-form words). Names that are only
alike (a near match) are flagged for the officer: until they confirm or dismiss it, the pair
counts as a conflict (`possible_match`); confirmed, it is one (`confirmed_match`); dismissed, not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kikin.accounts.identity import (
    NEAR_MATCH_THRESHOLD,
    identity_keys,
    near_names,
    same_organisation,
)
from kikin.calls.models import Partner, Proposal

from .models import ConflictDeclaration, NameMatchDecision

#: What each reason of `conflict_reasons` means, for the pages.
REASON_LABELS = {
    "same_organisation": _("the reviewer's own organisation"),
    "partner_organisation": _("a partner is the reviewer's organisation"),
    "declared": _("declared by the reviewer or by the staff for them"),
    "possible_match": _("a similar organisation name awaits the officer's check"),
    "confirmed_match": _("the officer confirmed a similar name as the same organisation"),
}


def reason_labels(reasons: list[str]) -> list[str]:
    return [str(REASON_LABELS.get(r, r)) for r in reasons]


def organisation_keys(org) -> frozenset[str]:
    if org is None:
        return frozenset()
    return frozenset(
        identity_keys(corporate_number=org.corporate_number, names=(org.name_ja, org.name_en))
    )


def partner_keys(partner: Partner) -> frozenset[str]:
    keys = identity_keys(corporate_number=partner.corporate_number, names=(partner.name,))
    if partner.organisation_id:
        keys |= organisation_keys(partner.organisation)
    return frozenset(keys)


@dataclass(frozen=True)
class NearMatch:
    """Two alike names met between a reviewer's organisation and a proposal's (the proposer or
    a partner), with the officer's decision (None: not yet decided)."""

    reviewer_name: str
    other_name: str
    similarity: float
    same: bool | None

    @property
    def pair(self) -> tuple[str, str]:
        return tuple(sorted((self.reviewer_name, self.other_name)))


def _decisions(pairs) -> dict[tuple[str, str], bool]:
    pairs = {tuple(sorted(p)) for p in pairs}
    if not pairs:
        return {}
    q = Q()
    for a, b in pairs:
        q |= Q(name_a=a, name_b=b)
    return {(d.name_a, d.name_b): d.same for d in NameMatchDecision.objects.filter(q)}


def _proposal_sides(proposal: Proposal, partners) -> list[tuple[str, int | None, frozenset]]:
    """(kind, organisation id, identity keys) of the proposer and of each partner."""
    sides = [
        ("same_organisation", proposal.organisation_id, organisation_keys(proposal.organisation))
    ]
    sides += [("partner_organisation", p.organisation_id, partner_keys(p)) for p in partners]
    return sides


def near_matches(reviewer, proposal: Proposal) -> list[NearMatch]:
    """The alike names between the reviewer's organisation and the proposal's organisations."""
    mine = organisation_keys(reviewer.organisation)
    found = []
    for _kind, _org_id, keys in _proposal_sides(proposal, proposal.partners.all()):
        found += near_names(mine, keys)
    decided = _decisions((a, b) for a, b, _s in found)
    return [NearMatch(a, b, s, decided.get(tuple(sorted((a, b))))) for a, b, s in found]


def conflict_reasons(reviewer, proposal: Proposal) -> list[str]:
    """Why `reviewer` may not review `proposal` (empty: no conflict)."""
    return reviewer_conflicts([reviewer], proposal)[reviewer.pk][0]


def reviewer_conflicts(
    reviewers, proposal: Proposal
) -> dict[int, tuple[list[str], list[NearMatch]]]:
    """For each of `reviewers`, by id: why they may not review `proposal` (as `conflict_reasons`)
    and the near matches of their organisation's name with the proposal's (as `near_matches`).
    Three queries whatever the number of reviewers: the partners, the declarations, the
    officer's decisions on the alike names."""
    reviewers = list(reviewers)
    partners = list(proposal.partners.select_related("organisation"))
    sides = _proposal_sides(proposal, partners)
    declared = defaultdict(list)
    for d in ConflictDeclaration.objects.filter(
        reviewer__in=[r.pk for r in reviewers]
    ).select_related("organisation"):
        declared[d.reviewer_id].append(d)
    found = {}
    for r in reviewers:
        mine = organisation_keys(r.organisation)
        found[r.pk] = [m for _kind, _org_id, keys in sides for m in near_names(mine, keys)]
    decided = _decisions((a, b) for matches in found.values() for a, b, _s in matches)
    out = {}
    for r in reviewers:
        reasons = []
        org = r.organisation
        mine = organisation_keys(org)
        if org is not None:
            for kind, org_id, keys in sides:
                same = (org_id and org_id == org.pk) or same_organisation(mine, keys)
                if same and kind not in reasons:
                    reasons.append(kind)
        for d in declared[r.pk]:
            if d.proposal_id == proposal.pk or (
                d.organisation_id
                and any(
                    d.organisation_id == org_id
                    or same_organisation(organisation_keys(d.organisation), keys)
                    for _kind, org_id, keys in sides
                )
            ):
                reasons.append("declared")
                break
        matches = [
            NearMatch(a, b, sim, decided.get(tuple(sorted((a, b))))) for a, b, sim in found[r.pk]
        ]
        for match in matches:
            if match.same is None and "possible_match" not in reasons:
                reasons.append("possible_match")
            elif match.same and "confirmed_match" not in reasons:
                reasons.append("confirmed_match")
        out[r.pk] = (reasons, matches)
    return out


def has_conflict(reviewer, proposal: Proposal) -> bool:
    return bool(conflict_reasons(reviewer, proposal))


def conflict_pairs(proposals: list[Proposal], reviewers: list) -> set[tuple[int, int]]:
    """Every conflicted (proposal id, reviewer id) pair among them, in a constant number of
    queries: identities indexed by key, near names compared in one rapidfuzz matrix."""
    from rapidfuzz import fuzz, process

    proposal_ids = [p.pk for p in proposals]
    partners = defaultdict(list)
    for partner in Partner.objects.filter(proposal_id__in=proposal_ids).select_related(
        "organisation"
    ):
        partners[partner.proposal_id].append(partner)
    declarations = list(
        ConflictDeclaration.objects.filter(reviewer__in=[r.pk for r in reviewers]).select_related(
            "organisation"
        )
    )
    reviewer_keys = {r.pk: organisation_keys(r.organisation) for r in reviewers}
    by_key = defaultdict(set)  # identity key → reviewers
    by_org = defaultdict(set)
    for r in reviewers:
        if r.organisation_id:
            by_org[r.organisation_id].add(r.pk)
        for k in reviewer_keys[r.pk]:
            by_key[k].add(r.pk)
    declared_by_proposal = defaultdict(set)
    declared_orgs = []  # (reviewer, organisation id, keys)
    for d in declarations:
        if d.proposal_id:
            declared_by_proposal[d.proposal_id].add(d.reviewer_id)
        if d.organisation_id:
            declared_orgs.append(
                (d.reviewer_id, d.organisation_id, organisation_keys(d.organisation))
            )
    declared_by_key = defaultdict(set)
    for rid, _org_id, keys in declared_orgs:
        for k in keys:
            declared_by_key[k].add((rid, keys))

    pairs = set()
    side_names: list[tuple[int, frozenset, str]] = []  # (proposal, side keys, normalised name)
    for p in proposals:
        conflicted = set(declared_by_proposal[p.pk])
        for _kind, org_id, keys in _proposal_sides(p, partners[p.pk]):
            if org_id:
                conflicted |= by_org[org_id]
                conflicted |= {rid for rid, o, _k in declared_orgs if o == org_id}
            for k in keys:
                conflicted |= {r for r in by_key[k] if same_organisation(reviewer_keys[r], keys)}
                conflicted |= {
                    rid for rid, dkeys in declared_by_key[k] if same_organisation(dkeys, keys)
                }
                if k.startswith("name:"):
                    side_names.append((p.pk, keys, k[5:]))
        pairs.update((p.pk, r) for r in conflicted)

    # Near matches: every side name against every reviewer name, in one matrix.
    reviewer_names = sorted(
        {k[5:] for keys in reviewer_keys.values() for k in keys if k.startswith("name:")}
    )
    if side_names and reviewer_names:
        scores = process.cdist(
            [n for _p, _k, n in side_names],
            reviewer_names,
            scorer=fuzz.ratio,
            score_cutoff=NEAR_MATCH_THRESHOLD,
            workers=1,
        )
        candidates = []
        rows, cols = scores.nonzero()
        reviewers_by_name = defaultdict(set)
        for r in reviewers:
            for k in reviewer_keys[r.pk]:
                if k.startswith("name:"):
                    reviewers_by_name[k[5:]].add(r.pk)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            pid, keys, _name = side_names[i]
            for rid in reviewers_by_name[reviewer_names[j]]:
                for a, b, _s in near_names(reviewer_keys[rid], keys):
                    candidates.append((pid, rid, a, b))
        decided = _decisions((a, b) for _p, _r, a, b in candidates)
        for pid, rid, a, b in candidates:
            if decided.get(tuple(sorted((a, b))), True):  # undecided or confirmed
                pairs.add((pid, rid))
    return pairs


def flagged_matches(proposal: Proposal, reviewers) -> list[tuple[object, NearMatch]]:
    """For the officer: every (reviewer, near match) on this proposal awaiting a decision."""
    reviewers = list(reviewers)
    conflicts = reviewer_conflicts(reviewers, proposal)
    return [(r, m) for r in reviewers for m in conflicts[r.pk][1] if m.same is None]
