"""Every refusal as JSON: `{"detail": ..., "errors": [{"field", "label", "message"}]}`, in the
language the request asks for (Accept-Language; Japanese by default), with the HTTP status that
says what kind of refusal it is:

400 a rule of the service (ValidationError, a refused submission), 401 no valid token, 403 the
role may not do this, 404 not found or not yours to see (the same answer: existence can be
confidential), 409 the state does not allow it now (a workflow transition), 422 the request does
not fit the schema. A server error answers 500 with no detail of the cause.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kikin.calls.services import SubmissionRefused
from kikin.calls.workflow import TransitionError
from kikin.core.feedback import field_label

logger = logging.getLogger(__name__)

#: Models whose field labels name the fields of API errors (first match wins).
LABEL_MODELS = (
    "calls.Proposal",
    "calls.BudgetLine",
    "calls.TeamMember",
    "calls.Partner",
    "review.Review",
    "awards.CostClaim",
    "awards.ClaimLine",
    "outcomes.Filing",
    "api.ApiToken",
    "datasets.Dataset",
    "datasets.AccessRequest",
    "challenges.Team",
    "challenges.Submission",
)

#: Fields of API requests and services' rules that no model above labels (or only with its bare
#: name): their labels, looked up before the models'.
API_LABELS = {
    "dataset": lambda: _("dataset"),
    "accept_conditions": lambda: _("acceptance of the written conditions of use"),
    "files": lambda: _("files"),
    "checks": lambda: _("check of each written condition"),
    "division": lambda: _("division"),
    "stage": lambda: _("stage"),
    "submission": lambda: _("entry"),
    "reason": lambda: _("reason"),
    "program": lambda: _("program"),
    "platform": lambda: _("data platform"),
}

_PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("A whole number."),
    "int_type": lambda: _("A whole number."),
    "bool_parsing": lambda: _("true or false."),
    "bool_type": lambda: _("true or false."),
    "date_from_datetime_parsing": lambda: _("A date such as 2025-04-01."),
    "date_parsing": lambda: _("A date such as 2025-04-01."),
    "date_type": lambda: _("A date such as 2025-04-01."),
    "string_type": lambda: _("A text."),
    "string_too_long": lambda: _("Too long."),
    "greater_than_equal": lambda: _("Too small."),
    "less_than_equal": lambda: _("Too large."),
    "literal_error": lambda: _("Not one of the allowed values."),
    "enum": lambda: _("Not one of the allowed values."),
    "json_invalid": lambda: _("The body is not valid JSON."),
    "model_attributes_type": lambda: _("A JSON object is expected."),
    "dict_type": lambda: _("A JSON object is expected."),
    "list_type": lambda: _("A list is expected."),
    "extra_forbidden": lambda: _("Unknown field."),
    "decimal_parsing": lambda: _("A decimal number."),
    "string_pattern_mismatch": lambda: _("Not in the expected form."),
}


def label_of(field: str) -> str:
    """A field's label in the active language, from the models' verbose names."""
    name = field.split(".")[-1]
    if name in API_LABELS:
        return str(API_LABELS[name]())
    for dotted in LABEL_MODELS:
        try:
            field_ = apps.get_model(dotted)._meta.get_field(name)
        except (LookupError, FieldDoesNotExist):
            continue
        if hasattr(field_, "verbose_name"):
            return str(field_.verbose_name)
        return str(field_.related_model._meta.verbose_name_plural)  # a reverse relation
    return field_label(field) or name  # the site's own labels (kikin.core.feedback)


def _body(detail, errors=()):
    return {
        "detail": str(detail),
        "errors": [
            {"field": f, "label": label_of(f) if f else "", "message": str(m)} for f, m in errors
        ],
    }


def install(api) -> None:
    def respond(request, status, detail, errors=()):
        return api.create_response(request, _body(detail, errors), status=status)

    @api.exception_handler(DjangoValidationError)
    def validation(request, exc):
        if hasattr(exc, "error_dict"):
            pairs = [
                ("" if f == "__all__" else f, " ".join(m)) for f, m in exc.message_dict.items()
            ]
        else:
            pairs = [("", " ".join(exc.messages))]
        return respond(request, 400, _("The request breaks a rule."), pairs)

    @api.exception_handler(SubmissionRefused)
    def refused(request, exc):
        return respond(
            request,
            400,
            _("The proposal cannot be submitted yet."),
            [(p.field, p.message) for p in exc.problems],
        )

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return respond(request, 403, str(exc) or _("Your role may not do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, _("Not found."))

    @api.exception_handler(TransitionError)
    def conflict(request, exc):
        return respond(request, 409, str(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = respond(request, 401, _("A valid API token is required."))
        response["WWW-Authenticate"] = 'Bearer realm="kikin"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(NinjaValidationError)
    def schema_error(request, exc):
        pairs = []
        for e in exc.errors:
            loc = [
                str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            make = _PYDANTIC_MESSAGES.get(e.get("type", ""))
            pairs.append((".".join(loc), make() if make else e.get("msg", "")))
        return respond(request, 422, _("The request does not fit the schema."), pairs)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error", exc_info=exc)
        return respond(request, 500, _("Server error."))
