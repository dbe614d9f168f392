"""Conflicts of interest, enforced everywhere a reviewer meets a proposal: in assignment, in
what a reviewer may open, and in scoring.

A reviewer has a conflict with a proposal where they belong to the proposing organisation or to
one of its partners, or where they (or staff for them) declared one, with the proposal or with
the proposing or a partner organisation.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from kikin.calls.models import Partner, Proposal

from .models import ConflictDeclaration


def _partner_keys(partners) -> tuple[set[int], set[str]]:
    ids, names = set(), set()
    for p in partners:
        if p.organisation_id:
            ids.add(p.organisation_id)
        names.add(p.name.strip())
    return ids, names


def conflict_reasons(reviewer, proposal: Proposal) -> list[str]:
    """Why `reviewer` may not review `proposal` (empty: no conflict)."""
    reasons = []
    org = reviewer.organisation
    partner_ids, partner_names = _partner_keys(proposal.partners.all())
    if org is not None:
        if org.pk == proposal.organisation_id:
            reasons.append("same_organisation")
        if org.pk in partner_ids or {org.name_ja, org.name_en} & partner_names:
            reasons.append("partner_organisation")
    declared = ConflictDeclaration.objects.filter(reviewer=reviewer).filter(
        Q(proposal=proposal) | Q(organisation_id__in={proposal.organisation_id, *partner_ids})
    )
    if declared.exists():
        reasons.append("declared")
    return reasons


def has_conflict(reviewer, proposal: Proposal) -> bool:
    return bool(conflict_reasons(reviewer, proposal))


def conflict_pairs(proposals: list[Proposal], reviewers: list) -> set[tuple[int, int]]:
    """Every conflicted (proposal id, reviewer id) pair among them, in three queries."""
    proposal_ids = [p.pk for p in proposals]
    partners = defaultdict(list)
    for partner in Partner.objects.filter(proposal_id__in=proposal_ids):
        partners[partner.proposal_id].append(partner)
    declared_by_proposal = defaultdict(set)
    declared_by_org = defaultdict(set)
    for d in ConflictDeclaration.objects.filter(reviewer__in=[r.pk for r in reviewers]):
        if d.proposal_id:
            declared_by_proposal[d.proposal_id].add(d.reviewer_id)
        if d.organisation_id:
            declared_by_org[d.organisation_id].add(d.reviewer_id)
    reviewers_by_org = defaultdict(set)
    reviewers_by_org_name = defaultdict(set)
    for r in reviewers:
        if r.organisation_id:
            reviewers_by_org[r.organisation_id].add(r.pk)
            for name in (r.organisation.name_ja, r.organisation.name_en):
                if name:
                    reviewers_by_org_name[name].add(r.pk)
    pairs = set()
    for p in proposals:
        partner_ids, partner_names = _partner_keys(partners[p.pk])
        orgs = {p.organisation_id, *partner_ids}
        conflicted = set(declared_by_proposal[p.pk])
        for org_id in orgs:
            conflicted |= reviewers_by_org[org_id] | declared_by_org[org_id]
        for name in partner_names:
            conflicted |= reviewers_by_org_name[name]
        pairs.update((p.pk, r) for r in conflicted)
    return pairs
