"""`{% export_url "xlsx" %}`: the current page's address for a download, its filters kept;
`{{ amount|yen_cell }}` and `{{ amount|yen_total }}`: money in a printed table."""

from django import template
from django.utils.html import format_html

from kikin.core.templatetags.kikin_format import yen_exact, yen_label
from kikin.rules.money import HYAKUMAN

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context, fmt: str) -> str:
    """The current path and query string with `format=fmt` and without `page` (an export holds
    every row, not one page of them)."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = fmt
    return f"{request.path}?{query.urlencode()}"


register.filter(
    "yen_label", yen_label
)  # 12.3457億円, as text (the `yen` filter's hover needs a screen)


@register.filter
def yen_cell(amount):
    """Money in a printed table's cell: 12.3457億円 (the exact yen is in the Excel export);
    — for none or 0."""
    return yen_label(amount) if amount else "—"


@register.filter
def yen_total(amount):
    """A printed total, where no hover shows the exact figure: 12.3457億円 with 1,234,567,891円
    beneath where the label rounds; — for none or 0."""
    if not amount:
        return "—"
    if abs(int(amount)) < HYAKUMAN:
        return yen_label(amount)
    return format_html("{}<br><small>{}</small>", yen_label(amount), yen_exact(amount))
