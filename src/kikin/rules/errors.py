"""The one exception type of the rules engine.

A rule that cannot be applied to the values it was given raises `RuleError`, naming the input
field at fault (`set_value`, `sales_yen_by_fy.2019`, `themes[2].item`) and saying what is wrong.
`kikin calc` prints `str(error)` as its single line on standard error; services in the Django
apps can show the same text beside the form field of the same name.
"""

from __future__ import annotations


class RuleError(ValueError):
    """A value that the rule cannot take: `field` names it, `message` says what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotApplicableError(RuleError):
    """The rule does not apply to this theme (e.g. a theme outside the refund scheme)."""


class MissingValueError(RuleError):
    """The rule needs a value the caller did not give (a year of sales, a call, a rate)."""
