"""The site's list exports, registered by the apps that own the lists.

`kikin.exports` knows how to write a list (`tabular`) but not which lists there are: each app
declares its own in its `exports.py` (imported by `ExportsConfig.ready`), and its list view
answers `?format=` with the export it registered::

    # kikin/awards/exports.py
    PORTFOLIO = register(
        "awards.portfolio",
        title=_("Portfolio"),
        columns=[Column(_("Award"), "number"), ...],
        rows=lambda qs: qs.select_related("proposal"),
    )

    # kikin/awards/views.py
    if fmt := export_format(request):
        return PORTFOLIO.response(qs, fmt=fmt)

`columns` is a list of `Column`s, or a callable that takes the view's keyword options (such as
who is asking) and returns one. `rows` adds to the page's own query only what the columns read
(a join or a subquery, never a query per row). So `exports` imports no app, and an app's export
sits beside the query and permissions of its list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .columns import filename
from .tabular import Column, export_response


@dataclass(frozen=True)
class ListExport:
    name: str  # "<app>.<list>"
    title: str  # the file's name before the date (a lazy translated string)
    columns: Sequence[Column] | Callable[..., Sequence[Column]]
    rows: Callable | None = None

    def columns_for(self, **options) -> list[Column]:
        return list(self.columns(**options) if callable(self.columns) else self.columns)

    def response(self, rows, *, fmt: str, **options):
        """The download of `rows` (the page's own query) as `fmt`, named after the list and
        today's date; `options` go to a callable `columns`."""
        if self.rows is not None:
            rows = self.rows(rows)
        return export_response(
            rows, self.columns_for(**options), filename=filename(self.title), fmt=fmt
        )


_EXPORTS: dict[str, ListExport] = {}


def register(
    name: str,
    *,
    title,
    columns: Sequence[Column] | Callable[..., Sequence[Column]],
    rows: Callable | None = None,
) -> ListExport:
    """Declare the export `name` ("<app>.<list>") and return it. Registering the same name
    twice with different definitions is an error (two apps claiming one list)."""
    export = ListExport(name=name, title=title, columns=columns, rows=rows)
    existing = _EXPORTS.get(name)
    if existing is not None and existing != export:
        raise ValueError(f"The export {name!r} is already registered.")
    _EXPORTS[name] = export
    return export


def get(name: str) -> ListExport:
    return _EXPORTS[name]


def registered() -> dict[str, ListExport]:
    """Every registered export by name (after the apps are ready)."""
    return dict(sorted(_EXPORTS.items()))
