"""The columns of the public lists' downloads (kikin.exports): calls, and the fund's targets."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kikin.core.templatetags.kikin_format import pick
from kikin.core.timeutil import JST
from kikin.exports.tabular import Column

CALLS_FILE = _("Calls")
TARGETS_FILE = _("Fund targets")


def _status(call) -> str:
    now = timezone.now()
    if now < call.opens_at:
        return str(_("Not yet open"))
    return str(_("Open")) if now <= call.closes_at else str(_("Closed"))


CALL_COLUMNS = [
    Column(_("Program"), lambda c: pick(c.program, "title")),
    Column(_("Call key"), "key"),
    Column(_("Call"), lambda c: pick(c, "title")),
    Column(
        _("Opens (JST)"), lambda c: timezone.localtime(c.opens_at, JST).strftime("%Y-%m-%d %H:%M")
    ),
    Column(
        _("Closes (JST)"), lambda c: timezone.localtime(c.closes_at, JST).strftime("%Y-%m-%d %H:%M")
    ),
    Column(_("Budget total (yen)"), "budget_total_yen", kind="yen"),
    Column(_("Themes"), lambda c: " ".join(t.key for t in c.themes.all())),
    Column(_("Status"), _status),
]


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
