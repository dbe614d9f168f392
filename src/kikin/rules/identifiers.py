"""Identifiers of organisations and researchers that Japanese funding systems exchange.

法人番号 (corporate number): 13 digits, the first a check digit over the other twelve
(法人番号の指定等に関する省令 第2条; the National Tax Agency's own number 7000012050002 is the
worked example). e-Rad 研究者番号 (researcher number): 8 digits, given by e-Rad to each researcher
(the figure has no published check digit, so only its form is checked).

Pure functions: no Django.
"""

from __future__ import annotations

import re

_CORPORATE = re.compile(r"[0-9]{13}")
_RESEARCHER = re.compile(r"[0-9]{8}")


def corporate_number_check_digit(base: str) -> int:
    """The check digit of a corporate number's 12-digit base (its last twelve digits).

    9 − (Σ Pn × Qn mod 9), Pn the n-th digit counted from the right (n = 1…12), Qn 1 where n is
    odd and 2 where n is even (法人番号の指定等に関する省令 第2条).
    >>> corporate_number_check_digit("000012050002")
    7
    """
    if len(base) != 12 or not base.isascii() or not base.isdigit():
        raise ValueError("the base of a corporate number is 12 digits")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def is_valid_corporate_number(number: str) -> bool:
    """13 ASCII digits whose first is the check digit of the other twelve."""
    if not isinstance(number, str) or not _CORPORATE.fullmatch(number):
        return False
    return int(number[0]) == corporate_number_check_digit(number[1:])


def normalise_digits(value: str) -> str:
    """Full-width digits (０–９) to ASCII, hyphens and spaces of any width removed: how a number
    copied from a document or a spreadsheet usually arrives."""
    table = {ord("０") + i: str(i) for i in range(10)}
    out = (value or "").translate(table)
    return re.sub(r"[\s\-‐－ー―]", "", out)


def is_valid_researcher_number(number: str) -> bool:
    """An e-Rad researcher number: exactly 8 ASCII digits."""
    return isinstance(number, str) and bool(_RESEARCHER.fullmatch(number))
