"""The assignment solver's refusals as sentences in the officer's language.

`kikin.solvers` imports no Django: `AssignmentInfeasible` says in English which constraint
cannot be met ("total demand 12×3=36 exceeds total reviewer capacity 5×4=20") and carries a
`code` and its figures. The reviewer assignment (a background job, in the language of the
officer who asked) turns them into a sentence here; the engine's own text goes to the log only.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _more(n: int) -> str:
    return " " + _("(And %(n)s more in the same way.)") % {"n": n} if n else ""


def infeasible_message(exc) -> str:
    """A sentence for an `AssignmentInfeasible` (by its code and figures)."""
    p = getattr(exc, "params", {}) or {}
    code = getattr(exc, "code", "")
    if code == "capacity":
        return _(
            "%(proposals)s proposals need %(per_proposal)s reviewers each (%(demand)s "
            "assignments), but %(reviewers)s reviewers can take at most %(max_load)s proposals "
            "each (%(capacity)s). Raise the most proposals per reviewer, ask fewer reviewers per "
            "proposal, or add reviewers to the pool."
        ) % {
            **p,
            "demand": p["proposals"] * p["per_proposal"],
            "capacity": p["reviewers"] * p["max_load"],
        }
    if code == "minimum_load":
        return _(
            "%(reviewers)s reviewers must each take at least %(min_load)s proposals, but "
            "%(proposals)s proposals with %(per_proposal)s reviewers each make only %(demand)s "
            "assignments."
        ) % {**p, "demand": p["proposals"] * p["per_proposal"]}
    if code == "proposal_short":
        return _(
            "Proposal %(proposal)s needs %(per_proposal)s reviewers, but only %(available)s "
            "reviewers in the pool have no conflict of interest with it."
        ) % p + _more(p.get("more", 0))
    if code == "reviewer_short":
        return _(
            "Reviewer %(reviewer)s must take at least %(min_load)s proposals, but has no "
            "conflict of interest with only %(available)s."
        ) % p + _more(p.get("more", 0))
    if code == "loads":
        return (
            _(
                "No assignment gives every proposal %(per_proposal)s reviewers without a conflict of "
                "interest while each reviewer takes at most %(max_load)s proposals. Raise the most "
                "proposals per reviewer or add reviewers to the pool."
            )
            % p
        )
    if code in {"negative", "loads_crossed"}:
        return _("The numbers of reviewers per proposal and of proposals per reviewer conflict.")
    log.warning("reviewer assignment refused without a known code: %s", exc)
    return _("No assignment meets the numbers given and the conflicts of interest.")
