"""The audit trail in the admin, read only, and the admin bases the other apps use too
(re-exported by kikin.core.admin).

The admin changes nothing by itself: every ModelAdmin is a `ReadOnlyAdmin` (no add, change or
delete; fields shown read only). Where staff must change something that has no page in the app,
the admin is an `AuditedAdmin`: its `service_forms` are pages of the admin whose save calls the
app's service (validated, one transaction, one audit record), never `obj.save()`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditRecord, SignInRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows and never writes: changes go through the services (which keep the
    audit trail) or come from the loaders."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin:
    """An inline that shows its rows and never writes them."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyInlineMixin, admin.TabularInline):
    pass


class ServiceForm(forms.Form):
    """A page of the admin whose save calls a service. Fields are lenient where the service
    checks the value, so that a refusal carries the service's own sentence."""

    #: The link's and the page's title.
    title = ""
    #: Acts on one object (a link on its page) or on the model (a link on its list).
    for_object = True

    def __init__(self, *args, obj=None, **kwargs):
        self.obj = obj
        super().__init__(*args, **kwargs)

    def save(self, *, actor):
        """Call the service; return the object written (or None)."""
        raise NotImplementedError


def add_refusal(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form: on its field where the form has it, else above it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    if field in form.fields:
                        form.add_error(field, message)
                    else:
                        form.add_error(
                            None, f"{field}: {message}" if field != "__all__" else message
                        )
    else:
        for message in exc.messages:
            form.add_error(None, message)


class AuditedAdmin(ReadOnlyAdmin):
    """Read only, with pages (`service_forms`: name → `ServiceForm`) whose save calls a service
    that writes an audit record. Open to staff with the model's change permission."""

    service_forms: dict[str, type[ServiceForm]] = {}
    change_list_template = "admin/kikin/service_change_list.html"
    change_form_template = "admin/kikin/service_change_form.html"

    def has_service_permission(self, request) -> bool:
        user = request.user
        codename = get_permission_codename("change", self.opts)
        return bool(
            user.is_active and user.is_staff and user.has_perm(f"{self.opts.app_label}.{codename}")
        )

    def _url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def get_urls(self):
        urls = []
        for name, form_class in self.service_forms.items():

            def view(request, object_id=None, _name=name):
                return self.service_view(request, _name, object_id)

            route = f"<path:object_id>/do/{name}/" if form_class.for_object else f"do/{name}/"
            urls.append(path(route, self.admin_site.admin_view(view), name=self._url_name(name)))
        return urls + super().get_urls()

    def _links(self, request, obj=None) -> list[dict]:
        if not self.has_service_permission(request):
            return []
        links = []
        for name, form_class in self.service_forms.items():
            if form_class.for_object != (obj is not None):
                continue
            args = [obj.pk] if obj is not None else []
            url = reverse(f"{self.admin_site.name}:{self._url_name(name)}", args=args)
            links.append({"url": url, "title": form_class.title})
        return links

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "service_links": self._links(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        links = self._links(request, obj) if obj is not None else []
        extra_context = {**(extra_context or {}), "service_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def service_view(self, request, name: str, object_id=None):
        form_class = self.service_forms[name]
        if not self.has_service_permission(request):
            raise PermissionDenied
        obj = None
        if form_class.for_object:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            form = form_class(request.POST, obj=obj)
            if form.is_valid():
                try:
                    written = form.save(actor=request.user)
                except ValidationError as exc:
                    add_refusal(form, exc)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc) or _("You may not do this."))
                else:
                    self.message_user(request, _("Saved, with an audit record."), messages.SUCCESS)
                    target = written if isinstance(written, self.model) else obj
                    if isinstance(target, models.Model) and target.pk:
                        return redirect(
                            f"{self.admin_site.name}:{self.opts.app_label}_"
                            f"{self.opts.model_name}_change",
                            target.pk,
                        )
                    return redirect(
                        f"{self.admin_site.name}:{self.opts.app_label}_"
                        f"{self.opts.model_name}_changelist"
                    )
        else:
            form = form_class(obj=obj)
        context = {
            **self.admin_site.each_context(request),
            "title": form_class.title,
            "subtitle": str(obj) if obj is not None else None,
            "form": form,
            "opts": self.opts,
            "original": obj,
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request, obj),
        }
        return TemplateResponse(
            request, "admin/kikin/service_form.html", context, status=400 if form.errors else 200
        )


class ChoiceOfModel(forms.ModelChoiceField):
    """A choice of a row (lenient: empty is passed on to the service)."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset, **kwargs)


#: For forms: the label of the reason every audited change asks for.
REASON_LABEL = gettext_lazy("reason (kept in the audit record)")


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["object_id", "note"]
    date_hierarchy = "at"


@admin.register(SignInRecord)
class SignInRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "succeeded", "user", "ip", "request_id"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip", "request_id"]
    date_hierarchy = "at"
