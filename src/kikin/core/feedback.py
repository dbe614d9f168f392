"""Turning a refused service call into messages for the person who made it, each a sentence in
their language naming the field by its label and the rule.

A service refuses with a ValidationError keyed by field (`amount_yen`, `lines.2.incurred_on`,
`budget.3`); `field_label` turns the key into the label a person reads on the form (金額（円）,
「請求明細 2 行目の発生日」 / "Claim lines, row 2, date incurred"): the labels below first, then
the models' own verbose names (a foreign key without a label of its own by its model's name).
Anything else a view catches (a ValueError of a value that did not parse, a solver's refusal)
never shows its exception text: `refusal_messages` gives a sentence instead.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .workflow import TransitionError

#: Labels of error keys that are not a model's column, or whose column's own label would not
#: say what the form asked (a form's field, a table of rows, a rule's input).
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
    "reviewer": gettext_lazy("reviewer"),
    # The objects a form acts on (a refusal keyed by them says the object is not in a state
    # or a kind that allows the step).
    "assessment": gettext_lazy("assessment"),
    "change": gettext_lazy("set-value change"),
    "claim": gettext_lazy("claim"),
    "consultation": gettext_lazy("prior consultation"),
    "declaration": gettext_lazy("declaration"),
    "filing": gettext_lazy("yearly filing"),
    "report": gettext_lazy("report"),
    "shortcoming": gettext_lazy("shortcoming"),
    "resolution": gettext_lazy("committee's resolution"),
    "dataset": gettext_lazy("dataset"),
    "platform": gettext_lazy("data platform"),
    "program": gettext_lazy("program"),
    "stage": gettext_lazy("stage"),
    "division": gettext_lazy("division"),
    "submission": gettext_lazy("entry"),
    "prize": gettext_lazy("prize"),
    "document": gettext_lazy("document"),
    "files": gettext_lazy("files"),
    "themes": gettext_lazy("themes"),
    "milestones": gettext_lazy("milestones"),
    # Fields of forms and rules that no column labels.
    "as_of": gettext_lazy("as of"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "accept_conditions": gettext_lazy("acceptance of the written conditions of use"),
    "checks": gettext_lazy("check of each written condition"),
    "budget_fy": gettext_lazy("fiscal year of the budget"),
    "months": gettext_lazy("months of the continuation"),
    "min_load": gettext_lazy("fewest proposals per reviewer"),
    "monthly": gettext_lazy("hours by month"),
    "order": gettext_lazy("order"),
    "cap": gettext_lazy("cap"),
    "reference": gettext_lazy("payment reference"),
    "doi": gettext_lazy("DOI"),
    "item": gettext_lazy("research item"),
    "received_yen": gettext_lazy("money received (yen)"),
    "proposal_contract_yen": gettext_lazy("contract amount of the proposal (yen)"),
    "sales_yen_by_fy": gettext_lazy("sales by fiscal year"),
    "start_fy": gettext_lazy("fiscal year the work began"),
    "ended_early": gettext_lazy("early end"),
    "spending_yen": gettext_lazy("spending (yen)"),
    "profit_yen": gettext_lazy("operating profit (yen)"),
    "deduction_yen": gettext_lazy("deduction (yen)"),
    "capacity_increase_percent": gettext_lazy("increase of production capacity (%)"),
    "local_consumption_percent": gettext_lazy("share consumed locally (%)"),
    "project_year": gettext_lazy("year of the project"),
    "applicant": gettext_lazy("applicant"),
}


@functools.cache
def _model_labels() -> dict[str, object]:
    """Each column name's label among kikin's models: a label written for it (a translatable
    string) wins over Django's default made from the name; a foreign key with no label of its
    own is named by its model (`award` → 採択案件)."""
    declared: dict[str, object] = {}
    fallback: dict[str, object] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("kikin."):
            continue
        for field in model._meta.concrete_fields:
            label = field.verbose_name
            if isinstance(label, Promise):
                declared.setdefault(field.name, label)
            elif field.is_relation and field.related_model is not None:
                fallback.setdefault(field.name, field.related_model._meta.verbose_name)
            else:
                fallback.setdefault(field.name, label)
    return {**fallback, **declared}


def _label_of(name: str) -> str | None:
    label = EXTRA_LABELS.get(name) or _model_labels().get(name)
    return str(label) if label else None


def field_label(key: str) -> str:
    """The label of an error's field key, in the user's language: `amount_yen` → 金額（円）;
    `lines.2.incurred_on` → 請求明細 2行目の発生日 ("Claim lines, row 2, date incurred");
    `budget.3` (a row refused whole) → 年度別予算 3行目 ("Budget by fiscal year, row 3")."""
    if not key or key == "__all__":
        return ""
    parts = key.split(".")
    row = next((i for i, p in enumerate(parts) if p.isdigit()), None)
    if row is not None and row > 0:
        table = _label_of(parts[row - 1]) or parts[row - 1].replace("_", " ")
        rest = [p for p in parts[row + 1 :] if not p.isdigit()]
        if not rest:
            return capfirst(_("%(what)s, row %(n)s") % {"what": table, "n": parts[row]})
        column = _label_of(rest[-1]) or rest[-1].replace("_", " ")
        return capfirst(
            _("%(what)s, row %(n)s, %(label)s") % {"what": table, "n": parts[row], "label": column}
        )
    # `score.originality`, `checks.no_compliance`: the most specific part that has a label.
    for name in reversed(parts):
        label = _label_of(name)
        if label:
            return capfirst(label)
    return capfirst(parts[-1].replace("_", " "))


def _sentence(text) -> str:
    return capfirst(str(text).strip())


def refusal_messages(exc: BaseException) -> list[str]:
    """What to tell the person whose request `exc` refused: one sentence per field of a
    ValidationError, naming the field by its label; the sentence a permission or a state table
    gave; and never an exception's own text otherwise (a value that did not parse, a failure
    inside: a ValueError's text is for developers)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            out = []
            for field, errs in exc.message_dict.items():
                label = field_label(field)
                text = " ".join(_sentence(e) for e in errs)
                out.append(
                    _("%(label)s: %(message)s") % {"label": label, "message": text}
                    if label
                    else text
                )
            return out
        return [" ".join(_sentence(e) for e in exc.messages)]
    if isinstance(exc, PermissionDenied):
        return [_sentence(exc) if str(exc) else _("You may not do this.")]
    if isinstance(exc, TransitionError):
        return [_sentence(exc.message) if exc.message else _("This step cannot be taken now.")]
    return [
        _(
            "A value is not in the expected form (dates as 2027-04-01, whole yen, rates as "
            "1/2); nothing was saved."
        )
    ]


def errors_to_messages(request, exc: BaseException) -> None:
    """One error message per field of a refusal, naming it by its label (`refusal_messages`)."""
    for text in refusal_messages(exc):
        messages.error(request, text)


def refusal_to_form(form, exc: BaseException) -> None:
    """Put a refusal on a Django form: each message beside the field it names where the form
    has that field (which shows its own label), else above the form naming the field by its
    label; anything but a ValidationError as `refusal_messages` says it."""
    if not (isinstance(exc, ValidationError) and hasattr(exc, "error_dict")):
        for text in refusal_messages(exc):
            form.add_error(None, text)
        return
    for name, errs in exc.message_dict.items():
        base = name.split(".", 1)[0]
        field = name if name in form.fields else (base if base in form.fields else None)
        label = field_label(name)
        for e in errs:
            if field is not None:
                form.add_error(field, e)
            elif label:
                form.add_error(None, _("%(label)s: %(message)s") % {"label": label, "message": e})
            else:
                form.add_error(None, e)
