"""Charts as inline SVG drawn by matplotlib, with Japanese labels in Noto Sans CJK.

Pages embed the SVG (`{{ chart|safe }}`: the SVG is ours, made from numbers and labels that
matplotlib escapes). Each chart is drawn on its own Figure (no pyplot state), so two requests
never draw into one another's figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

_CJK_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic")
COLOURS = ("#1f5f8b", "#e07b39", "#3c9d5d", "#8e5ea2", "#c0392b", "#7f8c8d")


def _font_family() -> list[str]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in _CJK_FAMILIES if name in installed] + ["DejaVu Sans"]


def _figure(width: float = 7.5, height: float = 3.2) -> Figure:
    matplotlib.rcParams["font.family"] = _font_family()
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, selectable, small
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Title": title, "Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _finish(fig: Figure, ax, ylim, *, legend: bool) -> None:
    """Axis range, no top/right frame, and the legend outside the plot so it never hides a bar."""
    if ylim is not None:
        ax.set_ylim(*ylim)
    if len(ax.get_xticks()) > 6:  # many fiscal years: slant the labels so they never run together
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.spines[["top", "right"]].set_visible(False)
    if legend:
        fig.legend(loc="outside right upper", frameon=False, fontsize="small")


def bar_chart(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str = "",
    unit: str = "",
    goal: float | None = None,
    goal_label: str = "",
    stacked: bool = False,
    ylim: tuple[float, float] | None = None,
) -> str:
    """Grouped (or stacked) bars, one group per category, one bar per series; an optional goal
    line; `ylim` fixes the value axis (e.g. 0–100 for percentages)."""
    fig = _figure()
    ax = fig.add_subplot()
    n = max(len(series), 1)
    width = 0.8 / (1 if stacked else n)
    bottoms = [0.0] * len(categories)
    for i, (name, values) in enumerate(series.items()):
        xs = [x + (0 if stacked else (i - (n - 1) / 2) * width) for x in range(len(categories))]
        ax.bar(
            xs,
            values,
            width,
            label=name,
            color=COLOURS[i % len(COLOURS)],
            bottom=bottoms if stacked else None,
        )
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if goal is not None:
        ax.axhline(goal, color="#c0392b", linestyle="--", linewidth=1, label=goal_label or None)
    ax.set_xticks(range(len(categories)), categories)
    if unit:
        ax.set_ylabel(unit)
    if title:
        ax.set_title(title)
    _finish(fig, ax, ylim, legend=len(series) > 1 or bool(goal_label))
    return _svg(fig, title)


def line_chart(
    xs: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str = "",
    unit: str = "",
    goal: float | None = None,
    goal_label: str = "",
    ylim: tuple[float, float] | None = None,
) -> str:
    """Lines over ordered categories (fiscal years), gaps where a value is None."""
    fig = _figure()
    ax = fig.add_subplot()
    for i, (name, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(range(len(xs)), ys, marker="o", label=name, color=COLOURS[i % len(COLOURS)])
    if goal is not None:
        ax.axhline(goal, color="#c0392b", linestyle="--", linewidth=1, label=goal_label or None)
    ax.set_xticks(range(len(xs)), xs)
    if unit:
        ax.set_ylabel(unit)
    if title:
        ax.set_title(title)
    _finish(fig, ax, ylim, legend=True)
    return _svg(fig, title)
