"""Search, sorting and filters of a list page, all kept in the URL.

A list declares once (a `ListSpec`, beside its view):

- `search`: the fields the text search looks in (those the list shows);
- `sorts`: the sortable columns, each a key of the URL (``?sort=title``, ``?sort=-title``) and the
  fields it orders by; nothing else sorts, and the primary key breaks ties, so a page never
  shuffles its rows;
- `filters`: each a GET parameter with its choices (fixed, or read from the rows the person may
  see) and how it narrows the rows.

`ListSpec.apply(request, rows)` reads ``?q=``, ``?sort=`` and the filters, ignores any value it
does not know (a bad sort or filter shows the list as if it were not given, never a server error)
and returns a `Listing`: the rows, still a query set (for `kikin.core.paging.page_of` and the
exports), and what the page needs to show the search form, the column headers and their links,
each of which keeps the other parameters (``{% load listing %}``, `kikin/_list_controls.html`,
`kikin/_list_empty.html`). It only ever narrows `rows`: a person finds nothing they could not
already see.

The search works for Japanese and English alike. The text is folded with Unicode NFKC and
lower-cased (full-width ＡＩ finds AI, half-width ｶﾀｶﾅ finds カタカナ, ｱｲ finds アイ), cut at
spaces (the ideographic space U+3000 too), and every word must be found as a part of one of the
fields, folded the same way inside the database: on PostgreSQL ``lower(normalize(…, NFKC))``, on
SQLite (the demo) a function `fold` registered on each connection (`register_sqlite_fold`). It is
one WHERE clause of the list's own query: a page costs the same number of queries whatever the
data and whatever it finds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Func
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: The longest search text read (longer text is cut here).
MAX_QUERY_CHARS = 200
#: The most words a search matches (the rest are dropped).
MAX_WORDS = 8

#: Choices of a filter: (value, label) pairs, or a function of the rows the person may see.
Choices = Sequence[tuple[str, object]] | Callable[[QuerySet], Sequence[tuple[object, object]]]


# --- The pure parts -------------------------------------------------------------------------


def fold(text: str | None) -> str | None:
    """Text as the search compares it: NFKC (full-width Latin and digits to half-width, half-width
    katakana to full-width, the ideographic space to a space), then lower case."""
    if text is None:
        return None
    return unicodedata.normalize("NFKC", str(text)).lower()


def search_words(text: str | None) -> list[str]:
    """The distinct folded words of a search text, in order: cut at any space (U+3000 too), at
    most `MAX_WORDS` of them, from at most `MAX_QUERY_CHARS` characters."""
    seen: dict[str, None] = {}
    for word in (fold((text or "")[:MAX_QUERY_CHARS]) or "").split():
        seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def parse_sort(value: str | None, allowed: Iterable[str]) -> tuple[str, bool] | None:
    """``title`` → ("title", False), ``-title`` → ("title", True); None for an empty value or a
    key that is not in `allowed` (which is then ignored, never an error)."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if not key or key not in set(allowed):
        return None
    return key, descending


def query_string(params: Mapping[str, str], **changes) -> str:
    """`params` (in their order) with `changes` applied; a change to "" or None removes the
    parameter. URL-encoded, without the leading "?"."""
    merged = dict(params)
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return urlencode([(k, v) for k, v in merged.items() if v not in (None, "")])


# --- Database expressions -------------------------------------------------------------------


class Folded(Func):
    """The SQL of `fold`: ``lower(normalize(x, NFKC))`` on PostgreSQL, the registered ``fold``
    function on SQLite."""

    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="lower(normalize(%(expressions)s, NFKC))", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="kikin_fold(%(expressions)s)", **extra)

    def as_sql(self, compiler, connection, template=None, **extra):
        if template is None:  # any other database: case only
            template = "lower(%(expressions)s)"
        return super().as_sql(compiler, connection, template=template, **extra)


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the SQLite function ``kikin_fold`` (see `fold`)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("kikin_fold", 1, fold, deterministic=True)


class SpacedText(Func):
    """``coalesce(a, '') || ' ' || coalesce(b, '') …``: flat, where Django's Concat nests a pair
    in a pair, which SQLite's parser refuses past a dozen fields ("parser stack overflow")."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = TextField()

    def __init__(self, *names: str):
        # each cast to text, as Django's Concat does: a number or a date joins the text too
        super().__init__(*[Coalesce(Cast(F(n), TextField()), Value("")) for n in names])


def _nullable(model, path: str) -> bool:
    """Whether `path` (``theme__title_ja``) can be NULL in a row of `model`: a nullable column or
    a nullable relation on the way."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return True
        if getattr(field, "null", True) or not getattr(field, "concrete", False):
            return True
        model = field.related_model or model
    return False


def searched(fields: Sequence[str]):
    """The folded text of `fields`, one space apart (a word, which has no space, never spans
    two fields)."""
    return Folded(F(fields[0]) if len(fields) == 1 else SpacedText(*fields))


def search_filter(qs: QuerySet, fields: Sequence[str], words: Sequence[str]) -> QuerySet:
    """`qs` narrowed to the rows where every word is a part of the folded `fields`."""
    if not words or not fields:
        return qs
    qs = qs.alias(_listing_text=searched(fields))
    condition = Q()
    for word in words:
        condition &= Q(_listing_text__contains=word)
    return qs.filter(condition)


def picked(path: str) -> Callable[[], object]:
    """A sort by a Japanese/English pair (``theme__title`` → title_ja / title_en) in the page's
    language: in English the English text, or the Japanese where there is none."""

    def expression():
        if (get_language() or "ja").startswith("ja"):
            return F(f"{path}_ja")
        return Coalesce(NullIf(F(f"{path}_en"), Value("")), F(f"{path}_ja"))

    return expression


def choice_order(choices, field_name: str = "state") -> Callable[[], object]:
    """A sort by a choice field in the order its `choices` declare (a workflow's order, draft
    first), not by the alphabet of its codes."""

    def expression():
        return Case(
            *[When(**{field_name: value}, then=Value(i)) for i, value in enumerate(choices.values)],
            output_field=IntegerField(),
        )

    return expression


def fiscal_year_choices(field_name: str = "fiscal_year") -> Callable[[QuerySet], list]:
    """Choices of a fiscal-year filter: the years the rows have, latest first (one query)."""

    def choices(qs: QuerySet) -> list[tuple[int, str]]:
        from kikin.rules import fiscal

        years = qs.order_by(f"-{field_name}").values_list(field_name, flat=True).distinct()
        ja = (get_language() or "ja").startswith("ja")
        label = fiscal.fiscal_year_label_ja if ja else fiscal.fiscal_year_label_en
        return [(y, label(y)) for y in years if y is not None]

    return choices


# --- Declarations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """A sortable column: its header's label and what it orders by (field paths, or functions
    returning an expression, such as `picked`)."""

    label: object
    fields: tuple = ()

    def __init__(self, label, *fields):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "fields", tuple(fields))


@dataclass(frozen=True)
class Filter:
    """A filter: the GET parameter `key`, its label and choices, and how a chosen value narrows
    the rows: a field name (``rows.filter(field=value)``) or a function (rows, value, request).
    `shown`, a function of the request, hides it (and ignores its value) where it does not
    apply; a `checkbox` filter has one choice, shown as a box to tick."""

    key: str
    label: object
    choices: Choices
    lookup: str | Callable = ""
    shown: Callable | None = None
    checkbox: bool = False

    def narrow(self, qs: QuerySet, value: str, request) -> QuerySet:
        if callable(self.lookup):
            return self.lookup(qs, value, request)
        return qs.filter(**{self.lookup or self.key: value})


@dataclass(frozen=True)
class ListSpec:
    search: tuple[str, ...] = ()
    sorts: Mapping[str, Sort] = field(default_factory=dict)
    default_sort: str = ""
    filters: tuple[Filter, ...] = ()
    #: The search box's label.
    search_label: object = _("Search this list")

    def apply(self, request, qs: QuerySet) -> Listing:
        return Listing(self, request, qs)


@dataclass
class BoundFilter:
    key: str
    label: object
    choices: list[tuple[str, object]]
    value: str
    checkbox: bool


class Listing:
    """A list as the URL asks for it: `rows` (searched, filtered, sorted) and the state of the
    form and headers. Parameters it does not manage are left out of the links it makes."""

    def __init__(self, spec: ListSpec, request, qs: QuerySet):
        self.spec = spec
        self.request = request
        self.base = qs
        # The choices of each filter, read once, from the rows the person may see.
        self._choices: dict[str, list[tuple[str, object]]] = {}
        params = request.GET
        self.q = " ".join((params.get("q") or "")[:MAX_QUERY_CHARS].split())
        self.words = search_words(self.q)
        self.filters = [
            f for f in spec.filters if f.shown is None or f.shown(request)
        ]  # those that apply to this person
        self.values: dict[str, str] = {}
        for f in self.filters:
            raw = (params.get(f.key) or "").strip()
            if raw and raw in self._choice_values(f):
                self.values[f.key] = raw
        parsed = parse_sort(params.get("sort"), spec.sorts)
        self.sort_param = ""
        if parsed is not None:
            self.sort_param = params.get("sort").strip()
        else:
            parsed = parse_sort(spec.default_sort, spec.sorts)
        self.sort, self.descending = parsed if parsed else ("", False)

    def choices(self, f: Filter) -> list[tuple[str, object]]:
        if f.key not in self._choices:
            raw = f.choices(self.base) if callable(f.choices) else f.choices
            self._choices[f.key] = [(str(v), label) for v, label in raw]
        return self._choices[f.key]

    def _choice_values(self, f: Filter) -> set[str]:
        return {v for v, _label in self.choices(f)}

    @cached_property
    def rows(self) -> QuerySet:
        qs = search_filter(self.base, self.spec.search, self.words)
        for f in self.filters:
            if f.key in self.values:
                qs = f.narrow(qs, self.values[f.key], self.request)
        return qs.order_by(*self.ordering())

    def ordering(self) -> list:
        if not self.sort:
            return [*self.base.query.order_by, "pk"] if self.base.query.order_by else ["pk"]
        order = []
        for item in self.spec.sorts[self.sort].fields:
            expression = item() if callable(item) else F(item)
            if not self.descending:
                order.append(expression.asc(nulls_last=True))
            elif callable(item) or _nullable(self.base.model, item):
                order.append(expression.desc(nulls_last=True))
            else:
                # A column that is never empty: plain DESC, so that an index on it serves the
                # sort (PostgreSQL's DESC puts nulls first; "NULLS LAST" would not match it).
                order.append(expression.desc())
        order.append(F("pk").desc() if self.descending else F("pk").asc())
        return order

    # What the page shows --------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """A search or a filter narrows the list (so an empty list says why)."""
        return bool(self.words or self.values)

    @property
    def params(self) -> dict[str, str]:
        """The parameters the list is open with: search, filters and sort (not the page)."""
        out = {}
        if self.q:
            out["q"] = self.q
        for f in self.filters:
            if f.key in self.values:
                out[f.key] = self.values[f.key]
        if self.sort_param:
            out["sort"] = self.sort_param
        return out

    def query(self, **changes) -> str:
        """The list's query string with `changes` (a change to "" removes a parameter)."""
        return query_string(self.params, **changes)

    @property
    def cleared(self) -> str:
        """The query string without search and filters, its sort kept."""
        return query_string({"sort": self.sort_param} if self.sort_param else {})

    @property
    def bound_filters(self) -> list[BoundFilter]:
        return [
            BoundFilter(f.key, f.label, self.choices(f), self.values.get(f.key, ""), f.checkbox)
            for f in self.filters
        ]

    @property
    def filter_labels(self) -> list[str]:
        """The filters chosen, as "label: choice" (for the sentence of an empty list)."""
        out = []
        for f in self.filters:
            if f.key in self.values:
                names = dict(self.choices(f))
                out.append(f"{f.label}: {names.get(self.values[f.key], self.values[f.key])}")
        return out

    def header(self, key: str) -> dict:
        """A sortable column's header: its label, the link that sorts by it (ascending, or
        descending where it is the ascending sort already) and its aria-sort value."""
        if key not in self.spec.sorts:
            raise KeyError(f"{key!r} is not a sortable column of this list")
        current = key == self.sort
        next_descending = current and not self.descending
        aria = ""
        if current:
            aria = "descending" if self.descending else "ascending"
        return {
            "label": self.spec.sorts[key].label,
            "href": "?" + self.query(sort=f"-{key}" if next_descending else key, page=""),
            "aria_sort": aria,
        }
