"""Pagination that stays fast deep into 100,000 rows."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(qs: QuerySet, number, per_page: int) -> Page:
    """Page the primary keys first (an index-only scan on a matching index), then load only that
    page's rows with their joins: a constant number of queries, and a deep OFFSET never drags
    whole rows through a sort."""
    page = Paginator(qs.values_list("pk", flat=True), per_page).get_page(number)
    rows = qs.order_by().in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list]
    return page
