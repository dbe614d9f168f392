"""Notices laid out by the background worker: the notice page queues the PDF of a decided
assessment and the person who asked finds it on the job's page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from kikin.awards.selectors import visible_award_or_404
from kikin.core.pdf import render_pdf
from kikin.jobs.registry import job_handler

from .labels import NOTICE_TITLES
from .models import Assessment, AssessmentState

NOTICE = "outcomes.notice_pdf"


def notice_filename(assessment: Assessment) -> str:
    return f"{assessment.number}_{NOTICE_TITLES[assessment.kind][0]}.pdf"


@job_handler(NOTICE, atomic=False)
def make_notice(job, progress):
    """The notice of a decided assessment as a PDF in Japanese, for its implementer or staff."""
    from .views import notice_context

    assessment = Assessment.objects.select_related(
        "award__organisation", "award__theme__program", "award__theme__item", "decided_by"
    ).get(pk=job.params["assessment"])
    try:
        visible_award_or_404(job.requested_by, assessment.award_id)
    except Http404:
        raise PermissionDenied from None
    if assessment.state == AssessmentState.DRAFT:
        raise ValidationError({"assessment": _("A draft assessment has no notice.")})
    progress(0, 1)
    job.save_result_file(
        notice_filename(assessment),
        render_pdf("outcomes/notice_pdf.html", notice_context(assessment)),
    )
    progress(1, 1)
    return {"notice": assessment.number}
