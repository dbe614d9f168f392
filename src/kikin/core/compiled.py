"""Querysets compiled once, run many times: for the reads a deadline repeats hundreds of times.

Django turns a queryset into SQL anew each time it is evaluated. For most pages that is a small
part of the work; for a submission it is not: the proposal is read under its lock with its call,
program, theme, item and organisation (122 columns) and two facts about it, and compiling that
read costs more processor time than running it (1.4 ms of 2.7 on this machine). A
`CompiledQuery` keeps the SQL of one queryset shape per database and runs it with new values:

    LOCKED = CompiledQuery(
        lambda pk: Proposal.objects.select_for_update().select_related("call").filter(pk=pk),
        pk=-918_273_645,
    )
    rows = LOCKED.fetch(pk=proposal.pk)  # a list of model instances, as list(queryset) gives

The queryset is built once with the placeholder values (each must be of the type of the real
values, used nowhere else, and reach the SQL as one parameter). Objects are made exactly as the
queryset would make them (Django's own iterable: related objects, annotations, prefetches).
Only the compiled text and the compiler's description of its columns are kept; every run has a
compiler of its own, on the connection of its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

#: The compiler's own attributes that are not the description of the columns.
_PER_RUN = {"query", "connection", "using", "elide_empty", "quote_cache"}


@dataclass(frozen=True)
class _Compiled:
    template: QuerySet
    sql: str
    params: tuple
    positions: dict[str, tuple[int, bool]]
    state: dict[str, Any]
    for_update: bool


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], **placeholders):
        if not placeholders:
            raise ValueError("CompiledQuery: name the values that change between runs")
        self._build = build
        self._placeholders = placeholders
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def fetch(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        """The queryset's objects for these values (list(queryset), without compiling it)."""
        if set(values) != set(self._placeholders):
            raise TypeError(
                f"CompiledQuery.fetch: give exactly {sorted(self._placeholders)}, "
                f"got {sorted(values)}"
            )
        for name, value in values.items():
            if type(value) is not type(self._placeholders[name]):
                raise TypeError(
                    f"CompiledQuery.fetch: {name} must be a "
                    f"{type(self._placeholders[name]).__name__}, not {type(value).__name__}"
                )
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor)) or self._compile(using)
        queryset = compiled.template._chain()
        query = queryset.query
        params = list(compiled.params)
        for name, (index, as_text) in compiled.positions.items():
            params[index] = str(values[name]) if as_text else values[name]
        run = (compiled.sql, tuple(params))

        def get_compiler(using=None, connection=None, elide_empty=True):
            connection = connections[using] if connection is None else connection
            if compiled.for_update and connection.get_autocommit():
                raise TransactionManagementError(
                    "select_for_update cannot be used outside of a transaction."
                )
            compiler = connection.ops.compiler(query.compiler)(
                query, connection, using, elide_empty
            )
            compiler.__dict__.update(compiled.state)
            compiler.as_sql = lambda *args, **kwargs: run
            return compiler

        query.get_compiler = get_compiler
        return list(queryset)

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        with self._lock:
            key = (using, connection.vendor)
            if key in self._compiled:
                return self._compiled[key]
            template = self._build(**self._placeholders).using(using)
            compiler = template.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            positions = {}
            for name, placeholder in self._placeholders.items():
                # A backend may pass a value as it is or as text (SQLite's dates): a value is
                # given in the form its placeholder reached the parameters.
                found = [
                    (i, type(p) is str and type(placeholder) is not str)
                    for i, p in enumerate(params)
                    if (type(p) is type(placeholder) and p == placeholder)
                    or (type(p) is str and type(placeholder) is not str and p == str(placeholder))
                ]
                if len(found) != 1:
                    raise ValueError(
                        f"CompiledQuery: placeholder {name}={placeholder!r} is among the "
                        f"parameters {len(found)} times (it must be there once)"
                    )
                positions[name] = found[0]
            compiled = _Compiled(
                template=template,
                sql=sql,
                params=tuple(params),
                positions=positions,
                state={k: v for k, v in compiler.__dict__.items() if k not in _PER_RUN},
                for_update=bool(
                    template.query.select_for_update and connection.features.has_select_for_update
                ),
            )
            self._compiled[key] = compiled
            return compiled


def attach_rows(instance, relation: str, rows: list) -> None:
    """Leave `rows` on `instance` as prefetch_related(relation) leaves them, for a reverse
    foreign key read by a CompiledQuery: `instance.<relation>.all()` gives them without a query
    and each row's foreign key gives `instance` back."""
    manager = getattr(instance, relation)
    for row in rows:
        manager.field.set_cached_value(row, instance)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset
