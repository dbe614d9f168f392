"""The headers and links of a searchable, sortable list (`kikin.core.listing`):

{% load listing %}
{% sort_header listing "title" %}                  a column header that sorts
<a href="?{% list_query listing state='adopted' %}">  a link with the list's other parameters
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sort_header(listing, key: str, css: str = ""):
    """`<th scope="col">` with a link that sorts by the column (ascending first, descending on a
    second click) and `aria-sort` on the column the list is sorted by."""
    h = listing.header(key)
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(h["aria_sort"], "")
    return format_html(
        '<th scope="col"{}{}><a href="{}">{}<span aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', h["aria_sort"]) if h["aria_sort"] else "",
        h["href"],
        h["label"],
        arrow,
    )


@register.simple_tag
def list_query(listing, **changes) -> str:
    """The list's query string (search, filters, sort) with `changes`; "" removes one."""
    return listing.query(**changes)
