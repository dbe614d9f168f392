"""The rules engine's refusals as sentences in the user's language.

`kikin.rules` imports no Django, so a `RuleError` says what is wrong in plain English for `kikin
calc` ("received_yen: must not be negative"). A service that lets the refusal reach a person
calls `rule_refusal(exc)`: a ValidationError keyed by the rule's input (whose label
`kikin.core.feedback.field_label` gives), with the message put in the active language by the
table below. A message the table does not know is never shown as it is: the person reads that
the value breaks the plan's rules, and the log keeps the engine's own text.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kikin.rules.errors import RuleError

log = logging.getLogger(__name__)

#: (pattern of the engine's message, its sentence with the pattern's named groups).
MESSAGES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"must not be negative"), _("Must not be negative.")),
    (re.compile(r"must be greater than 0"), _("Must be more than 0.")),
    (re.compile(r"must be 1 or more"), _("Must be 1 or more.")),
    (
        re.compile(r"must be between (?P<a>\S+) and (?P<b>\S+)"),
        _("Must be between %(a)s and %(b)s."),
    ),
    (re.compile(r"must not exceed (?P<n>\d+)$"), _("Must not exceed %(n)s.")),
    (
        re.compile(r"must not exceed proposal_contract_yen"),
        _(
            "Must not exceed the contract amount of the proposal (money received does not count "
            "budget increases)."
        ),
    ),
    (
        re.compile(r"must be FY(?P<fy>\d+) or later"),
        _("Must be FY%(fy)s or later: the program began then."),
    ),
    (
        re.compile(r"(?P<value>\S+) is not above 1\.0"),
        _("%(value)s is not above 1.0: such a proposal is not admitted."),
    ),
    (
        re.compile(r"missing; the sales increase needs (?P<years>.+)"),
        _(
            "The sales of this fiscal year are missing: the sales increase needs the years %(years)s."
        ),
    ),
    (
        re.compile(r"is not under the refund scheme"),
        _("This theme is not under the refund scheme (its plan declares no refund)."),
    ),
    (
        re.compile(r"ended early by decision"),
        _("A theme ended early by decision of the ministry and NEDO is outside the refund scheme."),
    ),
    (
        re.compile(r"theme (?P<theme>\S+) is a contract: its rate is 1"),
        _("Theme %(theme)s is a contract: its rate is 1."),
    ),
    (
        re.compile(r"(?P<rate>\S+) is not a rate of theme (?P<theme>\S+) \((?P<rates>.+)\)"),
        _("%(rate)s is not a rate of theme %(theme)s (its rates: %(rates)s)."),
    ),
    (
        re.compile(r"required: the plan states no subsidy rate for theme (?P<theme>\S+)"),
        _("Required: the plan states no subsidy rate for theme %(theme)s; give the call's rate."),
    ),
    (
        re.compile(r"required: theme (?P<theme>\S+) has more than one rate \((?P<rates>.+)\)"),
        _("Required: theme %(theme)s has more than one rate (%(rates)s); choose one."),
    ),
    (
        re.compile(r"(?P<value>.+) is not a call of (?:this theme|theme \S+) \((?P<list>.+)\)"),
        _("%(value)s is not a call of this theme (its calls: %(list)s)."),
    ),
    (
        re.compile(r"(?P<value>.+) is not a scope of this theme \((?P<list>.+)\)"),
        _("%(value)s is not a scope of this theme (its scopes: %(list)s)."),
    ),
    (
        re.compile(r"has no scope paid as a contract in every year"),
        _("This theme has no scope paid as a contract in every year."),
    ),
    (re.compile(r"is before start_date"), _("Is before the start date.")),
    (
        re.compile(r"is after the (?:program's|period's) end \((?P<day>[\d-]+)\)"),
        _("Is after the end of the period (%(day)s)."),
    ),
    (re.compile(r"has no stage gate"), _("This theme has no stage gate.")),
    (
        re.compile(r"cap does not grow at its gates"),
        _("This theme's cap does not grow at its gates."),
    ),
    (
        re.compile(r"an embargoed dataset needs the date it opens"),
        _("An embargoed dataset needs the date it opens."),
    ),
    (
        re.compile(r"is not one of the written conditions"),
        _("Is not one of the written conditions."),
    ),
    (
        re.compile(r"every written condition must be checked"),
        _("Check every written condition, met or not."),
    ),
    (re.compile(r"^required"), _("Required for this theme.")),
    (
        re.compile(r"(?P<value>.+) is not one of (?P<list>.+)"),
        _("%(value)s is not one of the choices (%(list)s)."),
    ),
]

#: The rule's inputs by the key of the form field or column that carries them.
FIELDS = {
    "sales_yen_by_fy": "filing",
    "contribution_ratio": "contribution_ratio",
}


def rule_message(exc: RuleError) -> str:
    """The sentence for a RuleError's message, in the active language."""
    for pattern, sentence in MESSAGES:
        match = pattern.search(exc.message)
        if match:
            values = {k: (v or "").strip("'\"") for k, v in match.groupdict().items()}
            return str(sentence) % values if values else str(sentence)
    log.warning("a rule's refusal without a sentence: %s", exc)
    return str(_("This value cannot be used under the plan's rules."))


def rule_field(exc: RuleError) -> str:
    """The error key of the rule's input: `sales_yen_by_fy.2019` → `filing`."""
    head = exc.field.split(".")[0].split("[")[0]
    return FIELDS.get(head, exc.field)


def rule_refusal(exc: RuleError, *, field: str | None = None) -> ValidationError:
    """A ValidationError for the refusal `exc`, keyed by `field` (else by the rule's input)."""
    return ValidationError({field or rule_field(exc): [rule_message(exc)]})
