"""Turning a refused service call into messages for the person who made it, each naming the
field by its label (in the user's language) and the rule."""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Labels of form fields that are not a model's column.
EXTRA_LABELS = {
    "on": gettext_lazy("date of the stage gate review"),
    "lines": gettext_lazy("claim lines"),
    "budget": gettext_lazy("budget by fiscal year"),
    "team": gettext_lazy("team"),
    "partners": gettext_lazy("partners"),
    "attachment": gettext_lazy("attachment"),
    "evidence": gettext_lazy("evidence"),
    "form_key": gettext_lazy("form key"),
    "submission_key": gettext_lazy("form key"),
    "assignment": gettext_lazy("assignment"),
    "reviewers": gettext_lazy("reviewers"),
    "per_proposal": gettext_lazy("reviewers per proposal"),
    "max_load": gettext_lazy("most proposals per reviewer"),
    "review": gettext_lazy("review"),
    "score": gettext_lazy("score"),
    "file": gettext_lazy("file"),
    "rate": gettext_lazy("subsidy rate"),
    "username": gettext_lazy("user name"),
    "password": gettext_lazy("password"),
    "email": gettext_lazy("e-mail address"),
    "corporate_number": gettext_lazy("corporate number"),
    "member": gettext_lazy("member"),
}


@functools.cache
def _model_labels() -> dict[str, object]:
    labels: dict[str, object] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("kikin."):
            continue
        for field in model._meta.concrete_fields:
            labels.setdefault(field.name, field.verbose_name)
    return labels


def field_label(key: str) -> str:
    """The label of an error's field key: `amount_yen` → 金額（円）; `lines.2.incurred_on` →
    2行目 発生日 (a row number where the key has one)."""
    if not key or key == "__all__":
        return ""
    parts = key.split(".")
    row = next((p for p in parts if p.isdigit()), None)
    name = next((p for p in reversed(parts) if not p.isdigit()), key)
    label = EXTRA_LABELS.get(name) or _model_labels().get(name) or name.replace("_", " ")
    label = str(label)
    if row is not None:
        first = str(EXTRA_LABELS.get(parts[0]) or parts[0])
        label = _("%(what)s, row %(n)s: %(label)s") % {"what": first, "n": row, "label": label}
    return label


def errors_to_messages(request, exc: Exception) -> None:
    """One error message per field, naming it by its label, with the rule; or the exception's
    own text."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            label = field_label(field)
            messages.error(
                request,
                _("%(label)s: %(message)s") % {"label": label, "message": " ".join(errs)}
                if label
                else " ".join(errs),
            )
    else:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
