"""The agency officer's pages for calls: open a call for a program's themes, edit it, publish
its documents; and the download of those documents, for anyone who may see the call.

Read with `selectors`, asked of `permissions`, written by `services` (checked, audited). A person
of another role is answered 403 with the reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.core.downloads import content_disposition
from kikin.core.feedback import field_label
from kikin.programs.models import Program

from . import permissions, selectors, services
from .forms import CallDocumentForm, CallEditorForm, call_initial
from .models import Call, CallDocument


def _refused(request, answer):
    """403 with the permission's reason (a sentence in the user's language)."""
    return render(request, "403.html", {"reason": answer.reason}, status=403)


def _put_on_form(form, exc: Exception) -> None:
    """A service's refusal on the form: each message on the field it names where the form has
    it, else above the form naming the field by its label."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this."))
        return
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for name, errors in items:
        for error in errors:
            if name in form.fields:
                form.add_error(name, error)
            elif name and name != "__all__" and field_label(name):
                form.add_error(
                    None,
                    _("%(label)s: %(message)s") % {"label": field_label(name), "message": error},
                )
            else:
                form.add_error(None, error)


def labelled_errors(form) -> list[dict]:
    """Every error of a bound form, each naming its field by the form's label: for the summary
    at the top of the page, whose links lead to the fields."""
    out = [{"field": "", "text": str(e)} for e in form.non_field_errors()]
    for name, field in form.fields.items():
        for error in form.errors.get(name, ()):
            out.append(
                {
                    "field": name,
                    "text": _("%(label)s: %(message)s") % {"label": field.label, "message": error},
                }
            )
    return out


@login_required
def call_new(request):
    """The programs a call may be opened for: those whose plan lists themes."""
    answer = permissions.can_manage_calls(request.user)
    if not answer:
        return _refused(request, answer)
    return render(request, "calls/call_new.html", {"programs": selectors.programs_for_calls()})


def _editor_page(request, *, program: Program, form, call: Call | None, document_form=None):
    context = selectors.call_editor_context(program, call, posted_opening=_posted_opening(form))
    context.update({"form": form, "errors": labelled_errors(form) if form.is_bound else []})
    if call is not None:
        context["document_form"] = document_form or CallDocumentForm()
        context["document_errors"] = (
            labelled_errors(document_form) if document_form is not None else []
        )
    status = (
        400 if (form.is_bound and form.errors) or (document_form and document_form.errors) else 200
    )
    return render(request, "calls/call_form.html", context, status=status)


def _posted_opening(form):
    """The opening typed in a refused form (its plan revision is shown for it), if it parsed."""
    if form.is_bound and hasattr(form, "cleaned_data"):
        return form.cleaned_data.get("opens_at")
    return None


@login_required
def call_create(request, program: str):
    answer = permissions.can_manage_calls(request.user)
    if not answer:
        return _refused(request, answer)
    program = get_object_or_404(Program, code=program)
    form = CallEditorForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.create_call(
                actor=request.user,
                program=program,
                key=form.cleaned_data["key"],
                themes=form.cleaned_data["themes"],
                **form.service_values(),
            )
        except (ValidationError, PermissionDenied) as exc:
            _put_on_form(form, exc)
        else:
            messages.success(
                request,
                _("Call “%(title)s” opened. Add its guidelines and other documents below.")
                % {"title": call.title_ja},
            )
            return redirect("calls:edit", pk=call.pk)
    return _editor_page(request, program=program, form=form, call=None)


@login_required
def call_edit(request, pk: int):
    answer = permissions.can_manage_calls(request.user)
    if not answer:
        return _refused(request, answer)
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    form = CallEditorForm(
        request.POST or None, program=call.program, call=call, initial=call_initial(call)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call(
                actor=request.user,
                call=call,
                themes=form.cleaned_data["themes"],
                **form.service_values(),
            )
        except (ValidationError, PermissionDenied) as exc:
            _put_on_form(form, exc)
        else:
            messages.success(request, _("Call saved."))
            return redirect("calls:edit", pk=call.pk)
    return _editor_page(request, program=call.program, form=form, call=call)


@login_required
@require_POST
def call_document_add(request, pk: int):
    answer = permissions.can_manage_calls(request.user)
    if not answer:
        return _refused(request, answer)
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    document_form = CallDocumentForm(request.POST, request.FILES)
    if document_form.is_valid():
        data = document_form.cleaned_data
        try:
            document = services.add_call_document(
                actor=request.user,
                call=call,
                uploaded=data["document"],
                kind=data["kind"],
                title_ja=data["title_ja"],
                title_en=data["title_en"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _put_on_form(document_form, exc)
        else:
            messages.success(request, _("Published “%(title)s”.") % {"title": document.title_ja})
            return redirect("calls:edit", pk=call.pk)
    form = CallEditorForm(program=call.program, call=call, initial=call_initial(call))
    return _editor_page(
        request, program=call.program, form=form, call=call, document_form=document_form
    )


@login_required
@require_POST
def call_document_remove(request, pk: int, document_pk: int):
    answer = permissions.can_manage_calls(request.user)
    if not answer:
        return _refused(request, answer)
    document = get_object_or_404(CallDocument, pk=document_pk, call_id=pk)
    try:
        services.remove_call_document(actor=request.user, document=document)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Removed “%(title)s”.") % {"title": document.title_ja})
    return redirect("calls:edit", pk=pk)


def call_document(request, pk: int, document_pk: int):
    """A document published with a call, for anyone who may see the call."""
    document = get_object_or_404(
        CallDocument.objects.select_related("call"), pk=document_pk, call_id=pk
    )
    if not permissions.can_see_call(request.user, document.call):
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition(document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
