"""Helpers for the apps' export columns (`<app>/exports.py`): the file's name, and cells read
the way the pages read them."""

from __future__ import annotations

from kikin.core.templatetags.kikin_format import pick
from kikin.core.timeutil import today_jst


def filename(name) -> str:
    """`提案一覧_2026-11-24`: the list's name and today's date in Japan."""
    return f"{name}_{today_jst().isoformat()}"


def pick_path(path: str):
    """The Japanese or English field of a pair (`call.title` → call.title_ja / call.title_en) in
    the language the export is written in, as the `pick` filter chooses on pages."""
    *parents, name = path.split(".")

    def get(row):
        for p in parents:
            row = getattr(row, p)
        return pick(row, name)

    return get


def choice_label(choices, attribute: str):
    """A choice's label, looked up in a dict (get_FOO_display rebuilds its dict every call)."""
    labels = dict(choices.choices)
    return lambda row: labels.get(getattr(row, attribute))


def theme_label(theme) -> str:
    """A theme as the lists name it: `①(a)`."""
    return f"{theme.item.symbol}({theme.code})"
