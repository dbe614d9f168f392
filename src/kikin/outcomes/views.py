"""Pages of filings, money that comes back, final evaluations and practical use.

Views read with selectors and write with services only. The implementer files its figures and
sees its notices; the agency checks, computes, decides and records; the ministry decides a
lowered set value and reads everything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.permissions import is_agency, is_ministry
from kikin.awards.permissions import is_implementer
from kikin.awards.selectors import received_for_refund, visible_award_or_404
from kikin.core.feedback import errors_to_messages
from kikin.core.lookup import posted_object_or_404
from kikin.core.paging import page_of
from kikin.core.posted import posted_date, posted_int
from kikin.core.timeutil import today_jst
from kikin.core.validation import MAX_YEN
from kikin.core.workflow import TransitionError
from kikin.exports.columns import filename as export_filename
from kikin.exports.tabular import export_format, export_response
from kikin.rules import fiscal

from . import columns, selectors, services
from .labels import NOTICE_TITLES
from .models import (
    AccountingBasis,
    Assessment,
    AssessmentKind,
    AssessmentState,
    Filing,
    SetValueChange,
    UseKind,
)
from .permissions import can_follow_outcomes


@login_required
def award_outcomes(request, pk: int):
    award = visible_award_or_404(request.user, pk)
    user = request.user
    today = today_jst()
    context = {
        "award": award,
        **selectors.award_outcomes(award),
        "today": today,
        "is_member": is_implementer(user, award),
        "is_agency": bool(is_agency(user)),
        "is_ministry": bool(is_ministry(user)),
        "received_for_refund": received_for_refund(award),
        "practical_use_due": services.practical_use_due(award),
        "bases": AccountingBasis.choices,
        "use_kinds": UseKind.choices,
        "this_fy": fiscal.fiscal_year(today),
        "filing_years": list(
            range(fiscal.fiscal_year(award.start_date) - 2, fiscal.fiscal_year(today))
        ),
        "payback_years": list(
            range(fiscal.fiscal_year(award.start_date), fiscal.fiscal_year(today))
        ),
    }
    return render(request, "outcomes/award_outcomes.html", context)


def _yen(post, name: str) -> int:
    """Whole yen (full-width digits, separators and 円 accepted), 0 where left empty."""
    return posted_int(post, name, required=False, default=0, maximum=MAX_YEN, minimum=-MAX_YEN)


def _date(post, name: str, *, required: bool = True) -> dt.date | None:
    return posted_date(post, name, required=required)


def _int(post, name: str) -> int:
    return posted_int(post, name, minimum=-(10**9), maximum=10**9)


@login_required
@require_POST
def award_action(request, pk: int, action: str):
    award = visible_award_or_404(request.user, pk)
    post, user = request.POST, request.user
    try:
        if action == "file":
            services.submit_filing(
                actor=user,
                award=award,
                fiscal_year=_int(post, "fiscal_year"),
                basis=post.get("basis", AccountingBasis.GOVERNMENT),
                period_start=_date(post, "period_start", required=False),
                period_end=_date(post, "period_end", required=False),
                consolidated=post.get("consolidated") == "1",
                product_sales_yen=_yen(post, "product_sales_yen"),
                other_sales_yen=_yen(post, "other_sales_yen"),
                other_sales_breakdown=post.get("other_sales_breakdown", ""),
                cost_of_sales_yen=_yen(post, "cost_of_sales_yen"),
                sga_yen=_yen(post, "sga_yen"),
                contribution_ratio=post.get("contribution_ratio", "1"),
                deemed_profit=post.get("deemed_profit") == "1",
                spending_after_yen=_yen(post, "spending_after_yen"),
                self_burden_yen=_yen(post, "self_burden_yen"),
                note=post.get("note", ""),
                evidence=request.FILES.get("evidence"),
            )
        elif action in {"accept", "return", "reopen"}:
            filing = posted_object_or_404(Filing, post.get("filing"), award=award)
            if action == "reopen":
                services.reopen_filing(actor=user, filing=filing, reason=post.get("note", ""))
            else:
                services.check_filing(
                    actor=user, filing=filing, accept=action == "accept", note=post.get("note", "")
                )
        elif action == "set-value":
            try:
                value = Decimal(post.get("new_value", "").strip())
            except InvalidOperation:
                raise ValidationError({"new_value": _("A number such as 2.5.")}) from None
            services.change_set_value(
                actor=user, award=award, new_value=value, reason=post.get("reason", "")
            )
        elif action == "set-value-decision":
            change = posted_object_or_404(SetValueChange, post.get("change"), award=award)
            services.decide_set_value_change(
                actor=user,
                change=change,
                accept=post.get("accept") == "1",
                note=post.get("note", ""),
            )
        elif action == "compute-refund":
            services.compute_refund(actor=user, award=award)
        elif action == "compute-self-investment":
            services.compute_self_investment(actor=user, award=award)
        elif action == "compute-payback":
            services.compute_payback(actor=user, award=award, fiscal_year=_int(post, "fiscal_year"))
        elif action == "decide":
            assessment = posted_object_or_404(Assessment, post.get("assessment"), award=award)
            services.decide_assessment(
                actor=user, assessment=assessment, pay_by=_date(post, "pay_by", required=False)
            )
        elif action == "paid":
            assessment = posted_object_or_404(Assessment, post.get("assessment"), award=award)
            services.record_assessment_payment(
                actor=user,
                assessment=assessment,
                paid_on=_date(post, "paid_on"),
                paid_yen=_yen(post, "paid_yen"),
            )
        elif action == "final-evaluation":
            services.record_final_evaluation(
                actor=user,
                award=award,
                completed_on=_date(post, "completed_on"),
                met_targets=post.get("met_targets") == "1",
                comment=post.get("comment", ""),
            )
        elif action == "practical-use":
            services.record_practical_use(
                actor=user,
                award=award,
                checked_on=_date(post, "checked_on"),
                reached=post.get("reached") == "1",
                use_kind=post.get("use_kind", ""),
                evidence=post.get("evidence", ""),
                evidence_file=request.FILES.get("evidence_file"),
            )
        else:
            raise Http404
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied, TransitionError) as exc:
        errors_to_messages(request, exc)
    return redirect("outcomes:award", pk=pk)


def notice_context(assessment: Assessment) -> dict:
    award = assessment.award
    title_ja, title_en = NOTICE_TITLES[assessment.kind]
    rows = selectors.labelled_rows(assessment)
    for row in rows:  # the notice is Japanese with English beside, whatever the reader's language
        with translation.override("ja"):
            row["label_ja"] = str(row["label"])
        with translation.override("en"):
            row["label_en"] = str(row["label"])
    return {
        "assessment": assessment,
        "award": award,
        "rows": rows,
        "title_ja": title_ja,
        "title_en": title_en,
        "fy_ja": fiscal.fiscal_year_label_ja(assessment.fiscal_year),
        "issued_on": fiscal.to_jst_date(assessment.decided_at),
        "seed": (assessment.inputs or {}).get("seed", ""),
        "agency_ja": settings.KIKIN_AGENCY_NAME[0],
        "agency_en": settings.KIKIN_AGENCY_NAME[1],
    }


@login_required
def notice_pdf(request, pk: int):
    """The notice of a decided assessment as a PDF in Japanese (implementer and staff), laid
    out by the background worker: the person is sent to the job's page, where it waits. Asking
    again for the same decided notice returns the same job."""
    from kikin.jobs.services import enqueue_job

    from .jobs import NOTICE

    assessment = get_object_or_404(
        Assessment.objects.only("pk", "award_id", "state", "number", "decided_at", "kind"), pk=pk
    )
    visible_award_or_404(request.user, assessment.award_id)
    if assessment.state == AssessmentState.DRAFT:
        raise Http404
    job = enqueue_job(
        kind=NOTICE,
        params={"assessment": assessment.pk},
        requested_by=request.user,
        key=f"{assessment.pk}:{assessment.decided_at:%Y%m%d%H%M%S%f}:{request.user.pk}",
        label=f"{assessment.number} {NOTICE_TITLES[assessment.kind][0]}",
    )
    return redirect("jobs:detail", pk=job.pk)


@login_required
def filing_list(request):
    if not can_follow_outcomes(request.user):
        raise Http404
    listing = selectors.FILING_LIST.apply(request, selectors.filings_to_check(request.user))
    if fmt := export_format(request):
        return export_response(
            listing.rows,
            columns.FILING_COLUMNS,
            filename=export_filename(columns.FILINGS_FILE),
            fmt=fmt,
        )
    return render(
        request,
        "outcomes/filing_list.html",
        {"page": page_of(listing.rows, request.GET.get("page"), 50), "listing": listing},
    )


@login_required
def assessment_list(request):
    if not can_follow_outcomes(request.user):
        raise Http404
    kind = request.GET.get("kind") or None
    qs = selectors.assessments_for_user(request.user, kind)
    if fmt := export_format(request):
        return export_response(
            qs,
            columns.ASSESSMENT_COLUMNS,
            filename=export_filename(columns.ASSESSMENTS_FILE),
            fmt=fmt,
        )
    return render(
        request,
        "outcomes/assessment_list.html",
        {
            "page": page_of(qs, request.GET.get("page"), 50),
            "kind": kind,
            "kinds": AssessmentKind.choices,
        },
    )
