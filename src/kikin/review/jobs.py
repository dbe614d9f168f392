"""Reviewer assignment and the recommended adoption set, run by the background worker: the call
panel queues them and the officer follows the run on its job page.

Each handler calls the service that does the work; the job's transaction holds the service's
writes, so a run whose worker dies is redone whole and its assignments are made once."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kikin.calls.models import Call
from kikin.jobs.registry import job_handler

from . import services

ASSIGN = "review.auto_assign"
RECOMMEND = "review.recommend_adoptions"


@job_handler(ASSIGN)
def assign_reviewers(job, progress):
    p = job.params
    call = Call.objects.get(pk=p["call"])
    progress(0, 1, _("Matching reviewers to proposals"))
    made = services.auto_assign(
        actor=job.requested_by,
        call=call,
        per_proposal=int(p["per_proposal"]),
        max_load=None if p.get("max_load") is None else int(p["max_load"]),
        fair=bool(p.get("fair")),
    )
    progress(1, 1)
    return {
        "assignments": len(made),
        "message": _("%(n)s assignments made.") % {"n": len(made)},
        "url": reverse("review:call", args=[call.pk]),
        "url_label": _("Back to the call"),
    }


@job_handler(RECOMMEND)
def recommend(job, progress):
    call = Call.objects.get(pk=job.params["call"])
    progress(0, 1, _("Choosing the set within the budget"))
    plan = services.recommend_adoptions(actor=job.requested_by, call=call)
    progress(1, 1)
    return {
        "plan": plan.pk,
        "message": _("Recommended set: %(n)s proposals, %(yen)s yen of %(budget)s yen.")
        % {
            "n": len(plan.proposal_ids),
            "yen": f"{plan.total_yen:,}",
            "budget": f"{plan.budget_yen:,}",
        },
        "url": reverse("review:call", args=[call.pk]),
        "url_label": _("Back to the call"),
    }
