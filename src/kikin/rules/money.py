"""Money is integer yen, rates are exact fractions; nothing here is ever a float.

Amounts in the seeds come in 億円 (10^8 yen), 百万円 (10^6) and 万円 (10^4); they are turned into
exact yen here. Where a computation leaves a fraction of a yen, the fraction is dropped (切り捨て),
toward zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

OKU = 10**8  # 億円
HYAKUMAN = 10**6  # 百万円
MAN = 10**4  # 万円

#: The label the plan uses for a full-amount grant (定額助成): the rate is one.
FIXED_AMOUNT_LABEL = "定額"


def _to_yen(amount: Decimal | int | str, unit: int, name: str) -> int:
    value = Decimal(str(amount)) * unit
    if value != value.to_integral_value():
        raise ValueError(f"{amount} {name} is not a whole number of yen")
    return int(value)


def oku_to_yen(amount: Decimal | int | str) -> int:
    """`75` 億円 → 7,500,000,000 yen; `9.9` 億円 → 990,000,000 yen."""
    return _to_yen(amount, OKU, "億円")


def hyakuman_to_yen(amount: Decimal | int | str) -> int:
    return _to_yen(amount, HYAKUMAN, "百万円")


def man_to_yen(amount: Decimal | int | str) -> int:
    return _to_yen(amount, MAN, "万円")


def truncate_yen(value: Fraction | Decimal | int) -> int:
    """Drop the fraction of a yen (切り捨て), toward zero: 10.9 → 10, −10.9 → −10."""
    if isinstance(value, Decimal):
        value = Fraction(value)
    return int(value)  # int() of a Fraction truncates toward zero


def parse_rate(value: str | int | Fraction | Decimal) -> Fraction:
    """A rate as an exact fraction in (0, 1]: "2/3", "1/2", "0.85", "1" or "定額" (= 1)."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, (int, Decimal)):
        rate = Fraction(value)
    else:
        text = str(value).strip()
        if text == FIXED_AMOUNT_LABEL:
            return Fraction(1)
        try:
            rate = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a rate such as 2/3 or 0.5") from None
    if not 0 < rate <= 1:
        raise ValueError(f"rate {value!r} is not in (0, 1]")
    return rate


def format_rate(rate: Fraction) -> str:
    """2/3 → "2/3"; 1 → "1"."""
    return str(rate)


def to_decimal(value: str | int | Decimal, *, field: str) -> Decimal:
    """A decimal number written as a string or integer (never a float: 0.1 is not exact)."""
    if isinstance(value, (bool, float)):
        raise ValueError(f'{field}: write the number as a string such as "2.5", not a float')
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return d


def round_half_up(value: Fraction | Decimal | int, places: int = 1) -> Decimal:
    """四捨五入 to `places` decimal places: 1.25 → 1.3, 2.75 → 2.8, −1.25 → −1.3.

    Works from the exact value, so a ratio of two integers is rounded without a binary error.
    """
    if isinstance(value, Fraction):
        sign = -1 if value < 0 else 1
        scaled = abs(value) * 10**places + Fraction(1, 2)
        whole = scaled.numerator // scaled.denominator  # floor(|v|·10^p + ½)
        return Decimal(sign * whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def percent_of(amount_yen: int, percent: Fraction | Decimal | int) -> int:
    """amount × percent / 100, truncated to whole yen."""
    return truncate_yen(Fraction(amount_yen) * Fraction(percent) / 100)


def apply_rate(amount_yen: int, rate: Fraction) -> int:
    """amount × rate, truncated to whole yen (切り捨て)."""
    return truncate_yen(Fraction(amount_yen) * rate)


def fund_share(lines: Iterable[tuple[int, bool]], rate: Fraction) -> int:
    """The fund's share of claimed cost lines (amount in yen, fixed-amount?): the sum of the
    ordinary lines × the rate, truncated to the yen (切り捨て), plus fixed-amount (定額)
    joint-research lines of a grant in full (000_628dcc7e01f6f899.txt lines 4700–4704)."""
    lines = list(lines)
    normal = sum(amount for amount, fixed in lines if not fixed)
    return apply_rate(normal, rate) + sum(amount for amount, fixed in lines if fixed)
