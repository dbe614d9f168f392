"""What an entry's evaluation came to, in the reader's language (the stored status is the
sandbox's code: kikin.challenges.sandbox)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: The sandbox's verdicts (kikin.challenges.sandbox's docstring), as a team reads them.
EVALUATION_STATUS = {
    "ok": _("Evaluated"),
    "error": _("Failed: the entry raised an error, crashed or returned a bad point"),
    "timeout": _("Stopped: over the time limit"),
    "memory": _("Stopped: out of memory"),
    "output": _("Stopped: printed or wrote too much"),
    "refused": _("Refused: not an entry"),
}


@register.filter
def evaluation_status(code) -> str:
    """`ok` → 評価済み; an unknown code as it is."""
    label = EVALUATION_STATUS.get(str(code or ""))
    return str(label) if label is not None else str(code or "")
