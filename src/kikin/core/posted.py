"""Reading values out of a POSTed form: each malformed value is a ValidationError that names
its field, never a ValueError that would become a server error.

Numbers accept what people type in Japan: full-width digits, thousands separators and a trailing
円. The value's meaning (no negative money, dates inside a program's life) is the services' to
check (kikin.core.validation).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .timeutil import JST
from .validation import BIGINT_MAX, EARLIEST_DATE, LATEST_DATE

#: Nothing that is a number or a date is longer than this.
MAX_NUMBER_TEXT = 32


def _clean(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    return text.replace(",", "").replace("円", "").replace("¥", "").strip()


def parse_int(text, *, field: str, minimum: int | None = None, maximum: int = BIGINT_MAX) -> int:
    raw = _clean(text)
    try:
        if len(raw) > MAX_NUMBER_TEXT or "\x00" in raw:
            raise ValueError
        value = int(raw)
    except ValueError:
        raise ValidationError({field: _("A whole number, such as 1,200,000.")}) from None
    if minimum is not None and value < minimum:
        raise ValidationError({field: _("At least %(n)s.") % {"n": f"{minimum:,}"}})
    if value > maximum:
        raise ValidationError({field: _("At most %(n)s.") % {"n": f"{maximum:,}"}})
    return value


def parse_decimal(text, *, field: str, max_digits: int = 12, places: int = 4) -> Decimal:
    raw = _clean(text)
    try:
        if len(raw) > MAX_NUMBER_TEXT:
            raise InvalidOperation
        value = Decimal(raw)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("A number such as 2.5.")}) from None
    if value != value.quantize(Decimal(1).scaleb(-places)) or abs(value) >= Decimal(10) ** (
        max_digits - places
    ):
        raise ValidationError(
            {field: _("A number with at most %(n)s decimal places.") % {"n": places}}
        )
    return value


def parse_rate(text, *, field: str) -> Fraction:
    """A rate as people write it: 1/2, 2/3, 0.5 or 50% (full-width too), above 0 and at most 1,
    kept exact."""
    raw = _clean(text).replace("／", "/").replace(" ", "")
    percent = raw.endswith("%")
    raw = raw.removesuffix("%")
    try:
        if not raw or len(raw) > MAX_NUMBER_TEXT or raw.count("/") > 1:
            raise ValueError
        top, _slash, bottom = raw.partition("/")
        parts = [Decimal(top), Decimal(bottom or "1")]
        if any(not d.is_finite() or abs(d.adjusted()) > 12 for d in parts if d):
            raise ValueError  # 1e999999999 would be a number of a billion digits
        value = Fraction(parts[0]) / Fraction(parts[1])
    except (ValueError, ArithmeticError):  # Decimal's InvalidOperation, a division by zero
        raise ValidationError({field: _("A rate such as 1/2, 2/3 or 0.5.")}) from None
    if percent:
        value /= 100
    if not 0 < value <= 1:
        raise ValidationError({field: _("A rate above 0 and at most 1, such as 1/2.")})
    return value


def parse_date(text, *, field: str) -> dt.date:
    raw = _clean(text).replace("/", "-")
    try:
        if len(raw) > MAX_NUMBER_TEXT:
            raise ValueError
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({field: _("A date such as 2027-04-01.")}) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            {
                field: _("%(day)s is outside the dates allowed (%(a)s – %(b)s).")
                % {"day": day.isoformat(), "a": EARLIEST_DATE, "b": LATEST_DATE}
            }
        )
    return day


def parse_datetime(text, *, field: str) -> dt.datetime:
    """A date and time in Japan Standard Time unless it names its own offset."""
    raw = _clean(text)
    try:
        if len(raw) > MAX_NUMBER_TEXT:
            raise ValueError
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError({field: _("A date and time such as 2027-04-01 10:00.")}) from None
    if not EARLIEST_DATE <= at.date() <= LATEST_DATE:
        raise ValidationError(
            {
                field: _("%(day)s is outside the dates allowed (%(a)s – %(b)s).")
                % {"day": at.date().isoformat(), "a": EARLIEST_DATE, "b": LATEST_DATE}
            }
        )
    return at if at.tzinfo else at.replace(tzinfo=JST)


def posted_int(post, name: str, *, required: bool = True, default=None, **bounds):
    text = post.get(name, "")
    if not _clean(text):
        if required:
            raise ValidationError({name: _("Required.")})
        return default
    return parse_int(text, field=name, **bounds)


def posted_rate(post, name: str) -> Fraction | None:
    """The rate posted as `name`, or None where the form left it blank (the plan's rate)."""
    text = post.get(name, "")
    return parse_rate(text, field=name) if _clean(text) else None


def posted_date(post, name: str, *, required: bool = True) -> dt.date | None:
    text = post.get(name, "")
    if not _clean(text):
        if required:
            raise ValidationError({name: _("A date such as 2027-04-01.")})
        return None
    return parse_date(text, field=name)


def posted_datetime(post, name: str) -> dt.datetime:
    return parse_datetime(post.get(name, ""), field=name)


def at(values: list, i: int, default: str = "") -> str:
    """The i-th of a repeated field's values, or `default` where the form sent fewer."""
    return values[i] if i < len(values) else default
