"""What the apps above `programs` load from a plan file, declared by those apps.

`programs.services.load_program` copies a plan's program, revisions, items, themes and terms;
the rest of the file belongs to other apps, which register their loaders when they are ready
(`AppConfig.ready`), so that `programs` imports none of them:

- a *kind loader* reads the tables of a program kind other than `fund` (a prize challenge, a
  data platform): `loader(*, spec, program, actor)`, `spec` being the plan's kind tables;
- a *section loader* reads a part of every plan (the calls): `loader(*, spec, program, themes,
  upsert)`, `spec` being the `ProgramSpec`, `themes` the program's themes by key ("1-a") and
  `upsert(model, lookup, values, kind)` the loader's own create-or-update, which counts what it
  creates under `kind`.

An app not installed registers nothing, and its part of a plan file is then left alone.
"""

from __future__ import annotations

from collections.abc import Callable

_KIND_LOADERS: dict[str, Callable] = {}
_SECTION_LOADERS: dict[str, Callable] = {}


def register_kind(kind: str, loader: Callable) -> None:
    """`loader` reads the kind tables of programs of `kind`."""
    _KIND_LOADERS[kind] = loader


def register_section(name: str, loader: Callable) -> None:
    """`loader` reads the part `name` of every plan file, after the themes."""
    _SECTION_LOADERS[name] = loader


def kind_loader(kind: str) -> Callable | None:
    return _KIND_LOADERS.get(kind)


def section_loaders() -> list[Callable]:
    return list(_SECTION_LOADERS.values())
