"""Pages for calls and proposals. Views read with selectors and write with services only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.permissions import is_applicant, is_staff_member
from kikin.core import timeutil
from kikin.core.feedback import errors_to_messages, field_label
from kikin.core.lookup import posted_object_or_404
from kikin.core.paging import page_of
from kikin.exports.tabular import export_format
from kikin.programs.selectors import terms_in_force

from . import exports, extensions, permissions, selectors, services
from .forms import parse_draft
from .models import (
    Attachment,
    BudgetLine,
    Call,
    DevelopmentType,
    Partner,
    PartnerRelation,
    Proposal,
    ProposalVersion,
    TeamMember,
)
from .services import DRAFT_FIELDS
from .validation import call_date, cap_for, check_proposal
from .workflow import TransitionError

PAGE_SIZE = 50


def call_list(request):
    calls = (
        Call.objects.select_related("program")
        .prefetch_related("themes__item")
        .order_by("-closes_at")
    )
    if fmt := export_format(request):
        return exports.CALLS.response(calls, fmt=fmt)
    now = timeutil.now()
    return render(request, "calls/call_list.html", {"calls": calls, "now": now})


def call_detail(request, pk: int):
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    themes = call.themes.select_related("item").order_by("item__number", "sort_order")
    return render(
        request,
        "calls/call_detail.html",
        {"call": call, "themes": themes, "is_open": call.is_open()},
    )


def _visible(request, pk: int, *, light: bool = False) -> Proposal:
    """The proposal, if the person may see it (else 404: its existence is confidential).
    `light`: only what the check reads, for a view that hands the proposal to a service that
    reads it whole under its lock (a submission); such a view reads it again to show a form."""
    qs = (
        Proposal.objects.only("pk", "organisation_id", "state")
        if light
        else Proposal.objects.select_related("call__program", "theme__item", "organisation")
    )
    proposal = get_object_or_404(qs, pk=pk)
    if not permissions.can_view(request.user, proposal):
        raise Http404
    return proposal


@login_required
@require_POST
def proposal_start(request, call_pk: int):
    call = get_object_or_404(Call, pk=call_pk)
    theme = posted_object_or_404(call.themes.all(), request.POST.get("theme"))
    try:
        proposal = services.create_proposal(actor=request.user, call=call, theme=theme)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("calls:detail", pk=call.pk)
    return redirect("calls:proposal_edit", pk=proposal.pk)


@login_required
def proposal_list(request):
    applicant = bool(is_applicant(request.user))
    # An applicant's list never filters nor sorts by the state of review (applicant_status).
    spec = selectors.OWN_PROPOSAL_LIST if applicant else selectors.PROPOSAL_LIST
    listing = spec.apply(request, selectors.proposals_for_user(request.user))
    if fmt := export_format(request):
        return exports.PROPOSALS.response(listing.rows, fmt=fmt, applicant=applicant)
    page = page_of(listing.rows.defer(*selectors.LIST_DEFERRED), request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "calls/proposal_list.html",
        {"page": page, "listing": listing, "is_applicant": applicant},
    )


def _form_context(request, proposal: Proposal, errors=None, problems=None, posted=None):
    """The proposal form's context. `posted`: the refused POST, whose values the form shows
    again as they were typed (every field, every row), with each error beside its field."""
    terms = terms_in_force(proposal.theme, call_date(proposal)).terms
    spec = terms.as_spec() if terms else None
    rules = proposal.theme.program.plan_rules()
    conditions = (*rules.conditions, *(spec.conditions if spec else ()))
    errors = _errors_by_posted_row(posted, errors or {})
    if posted is None:
        budget = list(proposal.budget_lines.all())
        budget_rows = budget + [None] * max(1, 6 - len(budget))
        team_rows = [*list(proposal.team.all()), None, None]
        partner_rows = [*list(proposal.partners.all()), None]
    else:
        budget_rows, team_rows, partner_rows = _posted_rows(posted)
    _attach_row_errors(errors, budget=budget_rows, team=team_rows, partners=partner_rows)
    return {
        "proposal": proposal,
        "values": _form_values(proposal, posted),
        "spec": spec,
        "terms": terms,
        "cap": cap_for(proposal),
        "budget_rows": budget_rows,
        "team_rows": team_rows,
        "partner_rows": partner_rows,
        "attachments": _attachment_rows(request.user, proposal),
        "development_types": DevelopmentType.choices,
        "relations": PartnerRelation.choices,
        "errors": errors,
        "field_errors": labelled_errors(errors),
        "problems": problems if problems is not None else check_proposal(proposal),
        "needs_leakage": _needs_leakage(proposal),
        "has_compute_support": bool(spec and spec.has_mode("compute_support")),
        "declarable": [c for c in conditions if c.check in ("declaration", "not_option_only")],
        "advice": [c for c in conditions if c.check == "advice"],
        "first_gate_cap": bool(spec and spec.cap.scope == "first_gate"),
        "self_investment": bool(spec and rules.self_investment_applies(spec.support)),
        "saved_at": None,
    }


def _form_values(proposal: Proposal, posted) -> dict:
    """Each field of the form as text: as typed where a POST was refused, else as saved."""
    values = {}
    for name in DRAFT_FIELDS:
        value = getattr(proposal, name)
        if name == "start_date":
            value = value.isoformat() if value else ""
        elif name in {"gx_commitment", "declarations"}:
            pass
        else:
            value = "" if value is None else str(value)
        values[name] = value
    if posted is not None:
        for name in DRAFT_FIELDS:
            if name in posted and name not in {"gx_commitment", "declarations"}:
                values[name] = posted.get(name, "")
        if "gx_commitment_shown" in posted:
            values["gx_commitment"] = posted.get("gx_commitment") in ("1", "on", "true")
        if "declarations_shown" in posted:
            values["declarations"] = posted.getlist("declarations")
    return values


def _column(posted, name: str, i: int, default: str = "") -> str:
    values = posted.getlist(name)
    return values[i] if i < len(values) else default


def _posted_rows(posted) -> tuple[list, list, list]:
    """The budget, team and partner rows as they were posted, in their order (blank rows too,
    so that the row numbers of the errors are those of the form), with blank rows to type in."""
    budget = [
        {
            "fiscal_year": fy,
            "requested_yen": _column(posted, "budget_requested", i),
            "eligible_cost_yen": _column(posted, "budget_eligible", i),
        }
        for i, fy in enumerate(posted.getlist("budget_fy"))
    ]
    budget += [None] * max(1, 6 - len(budget))
    lead = posted.get("team_lead")
    team = [
        {
            "name": name,
            "researcher_number": _column(posted, "team_researcher_number", i),
            "affiliation": _column(posted, "team_affiliation", i),
            "role": _column(posted, "team_role", i),
            "is_lead": str(i) == lead,
        }
        for i, name in enumerate(posted.getlist("team_name"))
    ]
    team += [None] * max(1, 2 - sum(1 for m in team if not m["name"].strip()))
    compute = set(posted.getlist("partner_ai_compute"))
    partners = [
        {
            "name": name,
            "country": _column(posted, "partner_country", i, "JP"),
            "relation": _column(posted, "partner_relation", i),
            "role": _column(posted, "partner_role", i, "joint"),
            "supplies_ai_compute": str(i) in compute,
            "special_capability": _column(posted, "partner_capability", i),
            "corporate_number": _column(posted, "partner_corporate_number", i),
        }
        for i, name in enumerate(posted.getlist("partner_name"))
    ]
    if all(p["name"].strip() for p in partners):
        partners.append(None)
    return budget, team, partners


def _errors_by_posted_row(posted, errors: dict) -> dict:
    """The errors with the row numbers of the form. The services number the rows they were
    given (the filled rows only, `budget.2.fiscal_year`); the form shows every posted row."""
    if posted is None or not errors:
        return dict(errors)
    filled = {
        "budget": [
            i
            for i, fy in enumerate(posted.getlist("budget_fy"))
            if (fy.strip() or _column(posted, "budget_requested", i).strip())
            and f"budget.{i + 1}" not in errors  # refused by parse_draft: not given on
        ],
        "team": [i for i, n in enumerate(posted.getlist("team_name")) if n.strip()],
        "partners": [i for i, n in enumerate(posted.getlist("partner_name")) if n.strip()],
    }
    out = {}
    for key, message in errors.items():
        table, _dot, rest = key.partition(".")
        n, _dot, column = rest.partition(".")
        if table in filled and n.isdigit() and column:
            rows = filled[table]
            k = int(n) - 1
            if 0 <= k < len(rows):
                key = f"{table}.{rows[k] + 1}.{column}"
        out[key] = message
    return out


#: The model of each table's rows, whose columns name a row's errors.
ROW_MODELS = {"budget": BudgetLine, "team": TeamMember, "partners": Partner}


def _own_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return field_label(name)


def error_label(key: str) -> str:
    """An error's field by its label in the user's language, as the proposal form names it:
    `period_months` → the proposal's own field's label; `budget.4.fiscal_year` → the table, the
    row and the column; `budget.4` (a row refused whole, its message naming the row) → the
    table."""
    table, _dot, rest = key.partition(".")
    n, _dot, column = rest.partition(".")
    if key in DRAFT_FIELDS:
        return capfirst(_own_label(Proposal, key))
    if table in ROW_MODELS and n.isdigit():
        if not column:
            return capfirst(field_label(table))
        return capfirst(
            _("%(what)s, row %(n)s: %(label)s")
            % {
                "what": field_label(table),
                "n": n,
                "label": _own_label(ROW_MODELS[table], column.split(".")[-1]),
            }
        )
    return capfirst(field_label(key))


def labelled_errors(errors: dict) -> dict[str, str]:
    """Each error's text with its field's label: {key: "Label: message"}."""
    return {
        key: _("%(label)s: %(message)s") % {"label": error_label(key), "message": message}
        if error_label(key)
        else message
        for key, message in errors.items()
    }


def _attach_row_errors(errors: dict, **tables) -> None:
    """Each row of the form gets `errors`: its messages, each naming the field by its label."""
    labelled = labelled_errors(errors)
    for table, rows in tables.items():
        for i, row in enumerate(rows):
            found = [
                text
                for key, text in labelled.items()
                if key == f"{table}.{i + 1}" or key.startswith(f"{table}.{i + 1}.")
            ]
            if row is None and found:
                row = rows[i] = {}
            if isinstance(row, dict):
                row["errors"] = found
            elif found:
                row.errors = found


def _attachment_rows(user, proposal: Proposal) -> list[dict]:
    """The working copy's files, each saying whether `user` may remove it."""
    return [
        {
            "attachment": a,
            "removable": permissions.can_remove_attachment(user, proposal, a)[0],
        }
        for a in proposal.attachments.all()
    ]


def _needs_leakage(proposal: Proposal) -> bool:
    from kikin.rules.fiscal import fiscal_year

    return proposal.theme.program.plan_rules().leakage_applies(fiscal_year(proposal.call.opens_at))


@login_required
def proposal_edit(request, pk: int):
    proposal = _visible(request, pk)
    ok, reason = permissions.can_edit(request.user, proposal)
    if not ok:
        messages.error(request, reason)
        return redirect("calls:proposal_detail", pk=pk)
    if request.method == "POST":
        fields, budget, team, partners, errors = parse_draft(request.POST)
        try:
            proposal = services.save_draft(
                actor=request.user,
                proposal=proposal,
                fields=fields,
                budget=budget,
                team=team,
                partners=partners,
            )
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        if request.htmx:
            proposal.refresh_from_db()
            return render(
                request,
                "calls/_save_status.html",
                {
                    "field_errors": labelled_errors(_errors_by_posted_row(request.POST, errors)),
                    "problems": check_proposal(proposal),
                    "saved_at": timezone.localtime(),
                    "cap": cap_for(proposal),
                },
            )
        if not errors:
            messages.success(request, _("Draft saved."))
            return redirect("calls:proposal_edit", pk=pk)
        # Refused: nothing of it is kept (kikin.core.idempotency rolls the request back), and
        # the form shows again what was typed, with each error beside its field.
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, proposal, errors, posted=request.POST),
            status=400,
        )
    return render(request, "calls/proposal_form.html", _form_context(request, proposal))


@login_required
@require_POST
def proposal_submit(request, pk: int):
    proposal = _visible(request, pk, light=True)
    fields, budget, team, partners, errors = parse_draft(request.POST)
    if errors:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, _visible(request, pk), errors, posted=request.POST),
            status=400,
        )
    try:
        version = services.submit_proposal(
            actor=request.user,
            proposal=proposal,
            # The form's own key identifies the submission (kikin.core.idempotency); a client
            # that sends a submission key of its own keeps it.
            submission_key=request.POST.get("submission_key") or request.form_digest,
            # What the form shows is saved first, under the same lock.
            draft=(
                {"fields": fields, "budget": budget, "team": team, "partners": partners}
                if fields or budget is not None
                else None
            ),
        )
    except services.SubmissionRefused as exc:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(
                request, _visible(request, pk), problems=exc.problems, posted=request.POST
            ),
            status=400,
        )
    except ValidationError as exc:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(
                request,
                _visible(request, pk),
                {k: " ".join(v) for k, v in exc.message_dict.items()},
                posted=request.POST,
            ),
            status=400,
        )
    messages.success(
        request,
        _("Submitted. Receipt number %(number)s (version %(version)s).")
        % {"number": version.proposal.receipt_number, "version": version.number},
    )
    return redirect("calls:proposal_detail", pk=pk)


@login_required
@require_POST
def proposal_withdraw(request, pk: int):
    proposal = _visible(request, pk)
    try:
        services.withdraw_proposal(
            actor=request.user, proposal=proposal, reason=request.POST.get("reason", "")
        )
    except (PermissionDenied, TransitionError) as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        errors_to_messages(request, exc)
    return redirect("calls:proposal_detail", pk=pk)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    proposal = _visible(request, pk)
    upload = request.FILES.get("attachment")
    if upload is None:
        messages.error(request, _("Attachment: choose a file."))
    else:
        try:
            services.add_attachment(actor=request.user, proposal=proposal, uploaded=upload)
            messages.success(request, _("Attached “%(name)s”.") % {"name": upload.name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return redirect("calls:proposal_edit", pk=pk)


@login_required
@require_POST
def attachment_remove(request, pk: int, attachment_pk: int):
    proposal = _visible(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    try:
        services.remove_attachment(actor=request.user, attachment=attachment)
        messages.success(request, _("Removed “%(name)s”.") % {"name": attachment.original_name})
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("calls:proposal_edit", pk=pk)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    proposal = _visible(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    try:
        handle = services.open_attachment(actor=request.user, attachment=attachment)
    except PermissionDenied:
        raise Http404 from None  # a file the user may not read is not there for them
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def proposal_detail(request, pk: int):
    proposal = _visible(request, pk)
    user = request.user
    is_member = permissions.is_member(user, proposal)
    versions = list(proposal.versions.order_by("-number"))
    document = selectors.proposal_document(proposal)
    context = {
        "proposal": proposal,
        "is_member": is_member,
        "applicant_status": permissions.applicant_status(proposal),
        "can_edit": permissions.can_edit(user, proposal)[0],
        "versions": versions,
        "document": document,
        "content": document.content,
        "is_staff_view": bool(is_staff_member(user)),
    }
    # The reviews, or the result's notice for the proposer (kikin.review, calls.extensions).
    context.update(extensions.proposal_context(user, proposal, is_member=is_member))
    return render(request, "calls/proposal_detail.html", context)


@login_required
def version_diff(request, pk: int, number: int):
    proposal = _visible(request, pk)
    new = get_object_or_404(ProposalVersion, proposal=proposal, number=number)
    old = ProposalVersion.objects.filter(proposal=proposal, number=number - 1).first()
    changes = services.diff_versions(old.content if old else {}, new.content)
    return render(
        request,
        "calls/version_diff.html",
        {"proposal": proposal, "new": new, "old": old, "changes": changes},
    )
