"""Accessible names for the inputs of table-style forms, where a row's inputs sit under the
column headings and have no <label> of their own.

`{% row_label _("Amount (yen)") forloop.counter %}` gives "Amount (yen), row 2" (「金額（円）（2行目）」),
for an input's aria-label: a screen reader names the column and the row.
"""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def row_label(column, row) -> str:
    return gettext("%(column)s, row %(row)s") % {"column": column, "row": row}
