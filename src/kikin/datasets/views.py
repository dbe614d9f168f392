"""Pages of research data: the dataset registry and its pages (with schema.org JSON-LD), access
requests and their check, downloads, the access log, data platforms, data management plans and
IP committees, the register of excluded parties, search, and the OAI-PMH endpoint.

Thin: forms parse, services write, selectors read. A draft dataset, another organisation's plan
or a staff page answers 404 to those who may not see it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kikin.accounts.permissions import is_agency, is_ministry
from kikin.awards.selectors import visible_award_or_404
from kikin.core.downloads import content_disposition
from kikin.core.paging import page_of
from kikin.core.timeutil import today_jst
from kikin.core.workflow import TransitionError

from . import forms, metadata, oai, selectors, services
from .models import (
    AccessLevel,
    AccessRequest,
    DataPlatform,
    DatasetFile,
    DatasetState,
    ExcludedParty,
    Feedback,
    Hub,
    IPCommittee,
    IPCommitteeDecision,
    LinkInstruction,
    RequestState,
    SearchKind,
    SharedFacility,
)
from .permissions import (
    can_create_dataset,
    can_decide_requests,
    can_edit_data_plan,
    can_edit_dataset,
    can_list_data_plans,
    can_manage_platform,
    can_view_data_plan,
    can_view_log,
    is_data_manager,
    is_staff,
)

PER_PAGE = 50


def _posted(model, raw, **filters):
    """The row a form names by its key (a hidden field), or 404 for a missing or malformed key."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(model, pk=pk, **filters)


def _fail(request, exc: Exception) -> None:
    """A refusal for an action without a form of its own: one message naming the field."""
    from kikin.core.feedback import errors_to_messages

    errors_to_messages(request, exc)


# ---------------------------------------------------------------------------------------------
# Datasets


def dataset_list(request):
    listing = selectors.DATASET_LIST.apply(request, selectors.datasets_for_user(request.user))
    page = page_of(listing.rows, request.GET.get("page"), PER_PAGE)
    return render(
        request,
        "datasets/dataset_list.html",
        {
            "page": page,
            "listing": listing,
            "can_create": can_create_dataset(request.user)[0],
            "to_check": selectors.requests_to_check(request.user).count()
            if request.user.is_authenticated
            else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dataset_create(request):
    allowed, _reason = can_create_dataset(request.user)
    if not allowed:
        raise Http404
    form = forms.DatasetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.create_dataset(
                actor=request.user,
                fields=form.service_fields(),
                organisation=form.cleaned_data.get("organisation"),
                platform=form.cleaned_data.get("platform"),
                award=form.cleaned_data.get("award"),
            )
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(
                request, _("Dataset %(id)s registered as a draft.") % {"id": dataset.identifier}
            )
            return redirect("datasets:detail", identifier=dataset.identifier)
    return render(request, "datasets/dataset_form.html", {"form": form, "dataset": None})


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request, identifier: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    if not can_edit_dataset(request.user, dataset)[0]:
        raise Http404
    form = forms.DatasetForm(
        request.POST or None, initial=forms.dataset_initial(dataset), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dataset(
                actor=request.user, dataset=dataset, fields=form.service_fields()
            )
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("datasets:detail", identifier=identifier)
    return render(request, "datasets/dataset_form.html", {"form": form, "dataset": dataset})


def dataset_detail(request, identifier: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    user = request.user
    status = selectors.dataset_status(user, dataset, today_jst())
    files = list(dataset.files.all())
    file_rows = [
        {
            "name": f.name,
            "url": request.build_absolute_uri(
                reverse("datasets:download", args=[dataset.identifier, f.pk])
            ),
            "content_type": f.content_type,
            "size_bytes": f.size_bytes,
        }
        for f in files
    ]
    ld = metadata.json_ld(
        dataset,
        file_rows,
        can_download_openly=status["level_in_force"] == AccessLevel.OPEN
        and dataset.state == DatasetState.PUBLISHED,
    )
    can_edit = can_edit_dataset(user, dataset)[0]
    return render(
        request,
        "datasets/dataset_detail.html",
        {
            "dataset": dataset,
            "files": files,
            "status": status,
            "refusal": services.refusal_message(status["download"], dataset)
            if not status["download"].allowed
            else "",
            "json_ld": mark_safe(metadata.json_ld_script(ld)),  # escaped by json_ld_script
            "can_edit": can_edit,
            "is_manager": is_data_manager(user, dataset),
            "can_view_log": can_view_log(user, dataset),
            "upload_form": forms.UploadForm() if can_edit else None,
            "external_form": forms.ExternalFileForm() if can_edit else None,
            "withdraw_form": forms.ReasonForm() if can_edit else None,
            "waiting": dataset.requests.filter(state=RequestState.SUBMITTED).count()
            if is_data_manager(user, dataset)
            else 0,
            "feedback_form": forms.FeedbackForm()
            if dataset.platform_id and user.is_authenticated
            else None,
        },
    )


@login_required
@require_POST
def dataset_files(request, identifier: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    if not can_edit_dataset(request.user, dataset)[0]:
        raise Http404
    kind = request.POST.get("kind", "upload")
    form = (
        forms.UploadForm(request.POST, request.FILES)
        if kind == "upload"
        else forms.ExternalFileForm(request.POST)
    )
    if form.is_valid():
        try:
            if kind == "upload":
                services.add_file(
                    actor=request.user,
                    dataset=dataset,
                    uploaded=form.cleaned_data["file"],
                    expected_sha256=form.cleaned_data["sha256"],
                )
            else:
                services.add_external_file(actor=request.user, dataset=dataset, **form.cleaned_data)
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            forms.apply_errors(form, exc)
    if form.errors:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errs)}" if label else " ".join(errs))
    else:
        messages.success(request, _("File added; its checksum is recorded."))
    return redirect("datasets:detail", identifier=identifier)


@login_required
@require_POST
def dataset_state(request, identifier: str, action: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    if not can_edit_dataset(request.user, dataset)[0]:
        raise Http404
    try:
        if action == "publish":
            services.publish_dataset(actor=request.user, dataset=dataset)
            messages.success(request, _("Published: the metadata can be harvested from now on."))
        elif action == "withdraw":
            services.withdraw_dataset(
                actor=request.user, dataset=dataset, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Withdrawn."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied, TransitionError) as exc:
        _fail(request, exc)
    return redirect("datasets:detail", identifier=identifier)


def dataset_download(request, identifier: str, file_pk: int):
    """A file, to whoever the access rules let have it; every download and refusal is logged."""
    dataset = selectors.dataset_or_404(request.user, identifier)
    f = get_object_or_404(DatasetFile, pk=file_pk, dataset=dataset)
    outcome = services.record_download(actor=request.user, file=f)
    if not outcome.allowed:
        if not request.user.is_authenticated and outcome.code in {"request_needed", "excluded"}:
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        messages.error(request, services.refusal_message(outcome, dataset))
        return redirect("datasets:detail", identifier=identifier)
    if f.is_external:
        return HttpResponseRedirect(f.url)
    response = FileResponse(
        f.file.open("rb"), content_type=f.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(f.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Digest"] = f"sha-256={_b64_hex(f.sha256)}"
    return response


def _b64_hex(hexdigest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


@login_required
def dataset_log(request, identifier: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    if not can_view_log(request.user, dataset):
        raise Http404
    page = page_of(selectors.access_log(dataset), request.GET.get("page"), PER_PAGE)
    requests = dataset.requests.select_related("requester", "decided_by").order_by("-id")[:200]
    return render(
        request,
        "datasets/access_log.html",
        {"dataset": dataset, "page": page, "requests": requests},
    )


# ---------------------------------------------------------------------------------------------
# Access requests


@login_required
@require_http_methods(["GET", "POST"])
def request_access(request, identifier: str):
    dataset = selectors.dataset_or_404(request.user, identifier)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.request_access(actor=request.user, dataset=dataset, **form.cleaned_data)
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            forms.apply_errors(form, exc)
        else:
            if req.state == RequestState.REFUSED:
                # A decided refusal is recorded (and audited), not a refused request: a warning
                # keeps it (kikin.core.idempotency rolls back requests that end in an error).
                messages.warning(request, req.note)
            else:
                messages.success(
                    request, _("Your request is sent; the data manager checks the conditions.")
                )
            return redirect("datasets:request", pk=req.pk)
    return render(request, "datasets/request_form.html", {"dataset": dataset, "form": form})


@login_required
def request_list(request):
    return render(
        request,
        "datasets/requests.html",
        {
            "to_check": selectors.requests_to_check(request.user),
            "mine": selectors.my_requests(request.user)[:200],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    req = get_object_or_404(
        AccessRequest.objects.select_related("dataset", "requester", "organisation"), pk=pk
    )
    user = request.user
    may_decide = can_decide_requests(user, req.dataset)[0]
    if not (req.requester_id == user.pk or may_decide or can_view_log(user, req.dataset)):
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                services.withdraw_access_request(actor=user, request=req)
                messages.success(request, _("Withdrawn."))
            else:
                checks = {
                    c["code"]: request.POST.get(f"check_{c['code']}") == "met"
                    for c in req.conditions_snapshot
                    if request.POST.get(f"check_{c['code']}") in {"met", "unmet"}
                }
                req = services.decide_access_request(
                    actor=user, request=req, checks=checks, note=request.POST.get("note", "")
                )
                if req.state == RequestState.APPROVED:
                    messages.success(request, _("Approved: every condition is met."))
                else:
                    messages.warning(request, _("Refused: %(why)s") % {"why": req.note})
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            _fail(request, exc)
        return redirect("datasets:request", pk=pk)
    return render(
        request,
        "datasets/request_detail.html",
        {
            "req": req,
            "may_decide": may_decide and req.state == RequestState.SUBMITTED,
            "on_register": services.is_on_register(req.requester) if may_decide else False,
            "is_requester": req.requester_id == user.pk,
        },
    )


# ---------------------------------------------------------------------------------------------
# Platforms


def platform_list(request):
    return render(
        request,
        "datasets/platform_list.html",
        {"platforms": selectors.platforms(), "kpis": selectors.platform_kpis()},
    )


PLATFORM_FORMS = {
    "terms": forms.PlatformTermsForm,
    "member": forms.MemberOrgForm,
    "manager": forms.ManagerChangeForm,
    "instruction": forms.InstructionForm,
    "consult": forms.InstructionStepForm,
    "follow": forms.InstructionStepForm,
    "storage": forms.StorageForm,
    "feedback": forms.FeedbackForm,
    "answer": forms.AnswerForm,
    "hub": forms.HubForm,
    "figures": forms.FiguresForm,
}


def _platform_action(request, platform: DataPlatform, action: str, form) -> None:
    d, user = form.cleaned_data, request.user
    post = request.POST
    if action == "terms":
        services.update_platform_terms(actor=user, platform=platform, **d)
    elif action == "member":
        services.add_platform_member(actor=user, platform=platform, **d)
    elif action == "manager":
        services.change_data_manager(actor=user, platform=platform, **d)
    elif action == "instruction":
        services.issue_link_instruction(actor=user, platform=platform, **d)
    elif action in {"consult", "follow"}:
        item = _posted(LinkInstruction, post.get("instruction"), platform=platform)
        if action == "consult":
            services.record_link_consultation(
                actor=user, instruction=item, consulted_on=d["on"], note=d["note"]
            )
        else:
            services.record_link_followed(
                actor=user, instruction=item, followed_on=d["on"], note=d["note"]
            )
    elif action == "storage":
        services.record_storage_funding(actor=user, platform=platform, **d)
    elif action == "feedback":
        services.submit_feedback(actor=user, platform=platform, text=d["text"])
    elif action == "answer":
        fb = _posted(Feedback, post.get("feedback"), platform=platform)
        services.answer_feedback(actor=user, feedback=fb, response=d["response"])
    elif action == "hub":
        services.add_hub(actor=user, platform=platform, **d)
    elif action == "figures":
        if post.get("facility"):
            facility = _posted(SharedFacility, post.get("facility"), hub__platform=platform)
            uses = {s: d[s] for s in ("industry", "academia", "public") if d.get(s) is not None}
            services.record_facility_uses(
                actor=user, facility=facility, fiscal_year=d["fiscal_year"], uses=uses
            )
        else:
            hub = _posted(Hub, post.get("hub"), platform=platform)
            if d.get("items") is None:
                raise ValidationError({"items": _("This field is required.")})
            services.record_data_created(
                actor=user, hub=hub, fiscal_year=d["fiscal_year"], items=d["items"]
            )
    else:
        raise Http404


@require_http_methods(["GET", "POST"])
def platform_detail(request, code: str):
    platform = get_object_or_404(
        DataPlatform.objects.select_related("data_manager", "program", "award"), code=code
    )
    user = request.user
    bound = {}
    if request.method == "POST":
        if not user.is_authenticated:
            raise Http404
        action = request.POST.get("action", "")
        if action not in PLATFORM_FORMS:
            raise Http404
        form = PLATFORM_FORMS[action](request.POST)
        if form.is_valid():
            try:
                _platform_action(request, platform, action, form)
            except (ValidationError, PermissionDenied, TransitionError) as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("datasets:platform", code=code)
        bound[action] = form
        messages.error(request, _("Not saved: see the form below."))
    sites, years = selectors.platform_sites(platform)
    manages = can_manage_platform(user, platform)[0]
    return render(
        request,
        "datasets/platform_detail.html",
        {
            "platform": platform,
            "duties": selectors.platform_duties(platform),
            "members": platform.members.select_related("organisation"),
            "tiers": platform.tiers.all(),
            "components": platform.components.all(),
            "kpis": selectors.platform_kpis([platform.pk]),
            "sites": sites,
            "years": years,
            "facilities": SharedFacility.objects.filter(hub__platform=platform).select_related(
                "hub"
            ),
            "instructions": platform.instructions.select_related("issued_by"),
            "changes": platform.manager_changes.select_related("previous", "new"),
            "storage": platform.storage.all(),
            "feedback": platform.feedback.select_related("author", "dataset")[:100],
            "datasets": platform.datasets.filter(state=DatasetState.PUBLISHED).order_by(
                "-modified_at"
            )[:20],
            "manages": manages,
            "is_agency": bool(is_agency(user)),
            "is_ministry": bool(is_ministry(user)),
            "last_project_year": services.last_project_year(platform),
            "forms": {
                name: bound.get(name)
                or cls(initial=_platform_initial(platform) if name == "terms" else None)
                for name, cls in PLATFORM_FORMS.items()
            },
        },
    )


def _platform_initial(platform: DataPlatform) -> dict:
    return {
        "conditions": "\n".join(c["text_ja"] for c in platform.conditions),
        "storage_committed": platform.storage_committed,
        "storage_commitment": platform.storage_commitment,
        "framework": platform.framework,
        "security_note": platform.security_note,
    }


# ---------------------------------------------------------------------------------------------
# Data management plans and IP committees


@login_required
def plan_list(request):
    if not can_list_data_plans(request.user):
        raise Http404
    page = page_of(selectors.awards_and_plans(request.user), request.GET.get("page"), PER_PAGE)
    return render(request, "datasets/plan_list.html", {"page": page})


AWARD_FORMS = {
    "plan": forms.DataPlanForm,
    "platform": forms.ThemePlatformForm,
    "committee": forms.CommitteeForm,
    "member": forms.MemberForm,
    "decision": forms.DecisionForm,
    "advice": forms.AnswerForm,
}


@login_required
@require_http_methods(["GET", "POST"])
def award_data(request, pk: int):
    award = visible_award_or_404(request.user, pk)
    user = request.user
    if not can_view_data_plan(user, award):
        raise Http404
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in AWARD_FORMS:
            raise Http404
        form = AWARD_FORMS[action](request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "platform":
                    services.create_platform(
                        actor=user,
                        code=d["code"],
                        name_ja=d["name_ja"],
                        name_en=d["name_en"],
                        data_manager=award.organisation,
                        award=award,
                        conditions=d["conditions"],
                        manager_declares_compliance=d["declares_compliance"],
                        manager_declares_no_foreign_influence=d["declares_no_foreign_influence"],
                    )
                elif action == "plan":
                    note = d.pop("change_note", "")
                    services.submit_data_plan(actor=user, award=award, fields=d, change_note=note)
                elif action == "committee":
                    services.record_ip_committee(
                        actor=user,
                        award=award,
                        scope=d["scope"],
                        established_on=d["established_on"],
                        members=form.member_rows(),
                    )
                elif action == "member":
                    committee = _posted(IPCommittee, request.POST.get("committee"), award=award)
                    services.add_ip_committee_member(actor=user, committee=committee, member=d)
                elif action == "decision":
                    committee = _posted(IPCommittee, request.POST.get("committee"), award=award)
                    services.record_ip_decision(actor=user, committee=committee, **d)
                else:
                    decision = _posted(
                        IPCommitteeDecision, request.POST.get("decision"), committee__award=award
                    )
                    services.record_ip_advice(actor=user, decision=decision, advice=d["response"])
            except (ValidationError, PermissionDenied, TransitionError) as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("datasets:award", pk=pk)
        bound[action] = form
        messages.error(request, _("Not saved: see the form below."))
    versions = selectors.plan_versions(award)
    latest = versions[0] if versions else None
    initial = {f: getattr(latest, f) for f in services.PLAN_FIELDS} if latest else {}
    committees = list(award.ip_committees.prefetch_related("members", "decisions"))
    return render(
        request,
        "datasets/award_data.html",
        {
            "award": award,
            "versions": versions,
            "latest": latest,
            "gates": selectors.plan_at_gates(award),
            "committees": committees,
            "may_edit": can_edit_data_plan(user, award)[0],
            "is_agency": bool(is_agency(user)),
            "needs_committee": award.form == "contract",
            "platform_modes": selectors.platform_modes(award),
            "platforms": list(award.data_platforms.all()),
            "forms": {
                name: bound.get(name) or cls(initial=initial if name == "plan" else None)
                for name, cls in AWARD_FORMS.items()
            },
        },
    )


# ---------------------------------------------------------------------------------------------
# Excluded parties


@login_required
@require_http_methods(["GET", "POST"])
def excluded_list(request):
    if not is_staff(request.user):
        raise Http404
    form = forms.ExclusionForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "lift":
                party = _posted(ExcludedParty, request.POST.get("party"))
                services.lift_exclusion(
                    actor=request.user, party=party, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Lifted."))
                return redirect("datasets:excluded")
            if form.is_valid():
                services.record_excluded_party(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Recorded."))
                return redirect("datasets:excluded")
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            forms.apply_errors(form, exc)
            if request.POST.get("action") == "lift":
                _fail(request, exc)
                return redirect("datasets:excluded")
    parties = ExcludedParty.objects.select_related("organisation", "user", "recorded_by")
    return render(request, "datasets/excluded.html", {"form": form, "parties": parties})


@login_required
@require_http_methods(["GET", "POST"])
def integrity(request):
    """Files whose scheduled checksum check failed or could not read them (staff); the staff may
    queue a check of every file now and follow it on the job's page."""
    if not is_staff(request.user):
        raise Http404
    if request.method == "POST":
        from kikin.jobs.services import enqueue_job

        from .jobs import VERIFY

        job = enqueue_job(
            kind=VERIFY, params={}, requested_by=request.user, label=_("Checksums of every file")
        )
        return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "datasets/integrity.html",
        {"files": selectors.files_needing_attention()[:500]},
    )


# ---------------------------------------------------------------------------------------------
# Search and harvesting


def search(request):
    text = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    result = selectors.search(request.user, text, kind=kind) if text else None
    if result is not None:
        for entry in result["results"]:
            entry.link = _entry_link(entry)
    return render(
        request,
        "datasets/search.html",
        {"q": text, "kind": kind, "kinds": SearchKind.choices, "result": result},
    )


def _entry_link(entry) -> str:
    if entry.kind == SearchKind.DATASET:
        return reverse("datasets:detail", args=[entry.key])
    if entry.kind == SearchKind.PROPOSAL:
        return reverse("calls:proposal_detail", args=[entry.object_id])
    return reverse("public_adoptions")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oai_pmh(request):
    """The OAI-PMH 2.0 endpoint; POST (form-encoded) is answered like GET."""
    params = dict(request.POST.lists() if request.method == "POST" else request.GET.lists())
    base_url = request.build_absolute_uri(request.path)
    response = StreamingHttpResponse(
        iter(oai.Response(params, base_url)), content_type="text/xml; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response
