"""Values checked against their column and their meaning before anything is written.

Services call these; each refusal is a ValidationError keyed by the field's name, whose message
says the rule in the user's language (the pages put the field's label before it:
`kikin.core.feedback.field_label`). `guard_row` is the backstop that every save of a kikin
model passes (connected in CoreConfig.ready): whatever a service forgot, no text with a NUL byte,
no text longer than its column, no number outside its column's range and no unknown choice
reaches the database, where it would be a server error or a broken page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext as _

#: PostgreSQL's bigint, the column of every amount of yen.
BIGINT_MAX = 2**63 - 1
#: No amount of the fund comes near this (a trillion yen): anything above is a typing error.
MAX_YEN = 10**15
#: The dates a person may type: the fund's documents start in the Heisei era; nothing is planned
#: beyond this century. A program's own life narrows it further where it is known.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def _err(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def text(value, *, field: str, max_length: int | None = None, required: bool = False) -> str:
    """A text as typed, stripped: no NUL byte, within its column, present when required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _err(field, _("Must be text."))
    if "\x00" in value:
        raise _err(field, _("Contains a NUL character, which text may not contain."))
    value = value.strip()
    if required and not value:
        raise _err(field, _("Required."))
    if max_length is not None and len(value) > max_length:
        raise _err(
            field,
            _("At most %(n)s characters (this has %(m)s).") % {"n": max_length, "m": len(value)},
        )
    return value


def whole_number(
    value, *, field: str, minimum: int | None = 0, maximum: int | None = BIGINT_MAX
) -> int:
    """A whole number within [minimum, maximum] (bool and fractions refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(field, _("A whole number."))
    if minimum is not None and value < minimum:
        raise _err(field, _("At least %(n)s.") % {"n": f"{minimum:,}"})
    if maximum is not None and value > maximum:
        raise _err(field, _("At most %(n)s.") % {"n": f"{maximum:,}"})
    return value


def yen(value, *, field: str, allow_negative: bool = False, maximum: int = MAX_YEN) -> int:
    """An amount of money: whole yen, not negative unless the meaning allows, below a trillion."""
    return whole_number(
        value, field=field, minimum=-maximum if allow_negative else 0, maximum=maximum
    )


def date_between(
    value, *, field: str, first: dt.date | None = None, last: dt.date | None = None, what=""
) -> dt.date:
    """A date inside [first, last] (by default the dates anyone may type)."""
    if not isinstance(value, dt.date):
        raise _err(field, _("A date such as 2027-04-01."))
    first = max(first or EARLIEST_DATE, EARLIEST_DATE)
    last = min(last or LATEST_DATE, LATEST_DATE)
    day = value.date() if isinstance(value, dt.datetime) else value
    if not first <= day <= last:
        raise _err(
            field,
            _("%(day)s is outside %(what)s (%(a)s – %(b)s).")
            % {
                "day": day.isoformat(),
                "what": what or _("the dates allowed"),
                "a": first.isoformat(),
                "b": last.isoformat(),
            },
        )
    return value


def not_after_today(value, *, field: str, what: str = "") -> dt.date:
    """A date of something done (an expense incurred, a review held): today or before, by the
    fund's clock (`kikin.core.timeutil.today`). `what` says what must already have happened."""
    from .timeutil import today

    day = value.date() if isinstance(value, dt.datetime) else value
    now = today()
    if day > now:
        raise _err(
            field,
            _("%(day)s is after today (%(today)s): %(what)s")
            % {
                "day": day.isoformat(),
                "today": now.isoformat(),
                "what": what or _("only what has already happened can be recorded."),
            },
        )
    return value


def choice(value, *, field: str, choices) -> str:
    """One of a field's choices (`choices`: a TextChoices class or values)."""
    values = getattr(choices, "values", choices)
    if value not in values:
        raise _err(field, _("“%(value)s” is not one of the choices.") % {"value": str(value)[:50]})
    return value


class Refusals:
    """Gathers the refusals of several checks, to refuse once with every broken rule.

    `value = refusals.check(v.text, raw, field="note")` returns the checked value, or None when
    refused; `refusals.raise_any()` then raises one ValidationError with them all."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.errors.setdefault(field, []).extend(messages)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _column_range(field: models.Field) -> tuple[int | None, int | None]:
    internal = field.get_internal_type()
    return connection.ops.integer_field_range(internal)


def row_problems(instance: models.Model) -> dict[str, list[str]]:
    """What in `instance` its columns cannot hold, field by field (no database query)."""
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        name = field.name
        if isinstance(value, str):
            if "\x00" in value:
                errors.setdefault(name, []).append(
                    _("Contains a NUL character, which text may not contain.")
                )
            if field.max_length and len(value) > field.max_length and not field.is_relation:
                errors.setdefault(name, []).append(
                    _("At most %(n)s characters (this has %(m)s).")
                    % {"n": field.max_length, "m": len(value)}
                )
            if field.choices and not field.is_relation:
                valid = {str(k) for k, _label in field.flatchoices}
                if value not in valid and not (value == "" and field.blank):
                    errors.setdefault(name, []).append(
                        _("“%(value)s” is not one of the choices.") % {"value": value[:50]}
                    )
        elif isinstance(value, int) and not isinstance(value, bool) and not field.is_relation:
            if isinstance(field, models.IntegerField | models.BigIntegerField):
                low, high = _column_range(field)
                if (low is not None and value < low) or (high is not None and value > high):
                    errors.setdefault(name, []).append(_("Out of range for this field."))
        elif isinstance(value, Decimal) and isinstance(field, models.DecimalField):
            if not value.is_finite():
                errors.setdefault(name, []).append(_("A number."))
            else:
                digits = len(value.quantize(Decimal(1)).copy_abs().as_tuple().digits)
                if digits > field.max_digits - field.decimal_places:
                    errors.setdefault(name, []).append(_("Out of range for this field."))
    return errors


def guard_row(sender, instance, raw=False, **kwargs) -> None:
    """pre_save of every kikin model: refuse what the columns cannot hold (see the docstring)."""
    if raw or not sender.__module__.startswith("kikin."):
        return
    problems = row_problems(instance)
    if problems:
        raise ValidationError(problems)


def validate_instance(instance: models.Model, *, exclude=None) -> None:
    """full_clean (columns, choices, validators, constraints) and the NUL check, as one refusal."""
    errors = row_problems(instance)
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, [])
            errors[field].extend(m for m in messages if m not in errors[field])
    if errors:
        raise ValidationError(errors)
