"""The columns of the fund's targets' download (kikin.exports); the calls' list registers its own
(kikin.calls.exports)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.core.templatetags.kikin_format import pick
from kikin.exports.tabular import Column

TARGETS_FILE = _("Fund targets")


def _ratio(share):
    return share.value


TARGET_ITEM_COLUMNS = [
    Column(_("Program"), lambda i: i.program.code),
    Column(_("R&D item"), lambda i: f"{i.symbol} {pick(i, 'title')}".strip()),
    Column(_("Counts toward the targets"), lambda i: not i.excluded, kind="bool"),
    Column(_("Adopted themes"), "adopted", kind="int"),
    Column(_("Completed themes"), "completed", kind="int"),
    Column(_("Targets met"), lambda i: i.figures.achievement.numerator, kind="int"),
    Column(_("Target achievement"), lambda i: _ratio(i.figures.achievement), kind="percent"),
    Column(_("In practical use"), lambda i: i.figures.practical_use.numerator, kind="int"),
    Column(_("Practical-use rate"), lambda i: _ratio(i.figures.practical_use), kind="percent"),
]
