"""The fund's targets: the staff dashboard, the themes behind each figure, and the public page.

Reads only (selectors in `kikin.targets.selectors`); the definitions of what counts are in that
module's docstring and, in plain words, on the pages themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import islice
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kikin.core.paging import page_of
from kikin.core.posted import parse_date, parse_int
from kikin.core.timeutil import today_jst
from kikin.datasets.selectors import platform_kpis
from kikin.exports.tabular import Column, export_format, export_response
from kikin.outcomes.permissions import can_follow_outcomes
from kikin.programs.models import Program
from kikin.rules.fiscal import fiscal_year_label_en, fiscal_year_label_ja

from . import selectors

PER_PAGE = 50

FIGURE_TITLES = {
    "completed": gettext_lazy("Themes completed"),
    "met": gettext_lazy("Completed themes that met their targets"),
    "adopted": gettext_lazy("Adopted themes"),
    "practical": gettext_lazy("Adopted themes in practical use"),
    "due": gettext_lazy("Themes due for a practical-use check"),
}

#: The columns of a list of themes, as the export layer writes them (rows are selectors.theme_rows).
EXPORT_COLUMNS = [
    Column(gettext_lazy("Award"), "number"),
    Column(gettext_lazy("Theme"), "theme"),
    Column(gettext_lazy("Theme title"), "theme_title"),
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Organisation"), "organisation"),
    Column(gettext_lazy("Item"), "item"),
    Column(gettext_lazy("Start"), "start", kind="date"),
    Column(gettext_lazy("End"), "end", kind="date"),
    Column(gettext_lazy("Final evaluation"), "evaluation"),
    Column(gettext_lazy("Met the targets"), "met", kind="bool"),
    Column(gettext_lazy("Completed on"), "completed_on", kind="date"),
    Column(gettext_lazy("Last practical-use check"), "checked_on", kind="date"),
    Column(gettext_lazy("Practical use reached"), "reached_flag", kind="bool"),
    Column(gettext_lazy("Kind of use"), "use_kind"),
    Column(gettext_lazy("Evidence"), "evidence"),
    Column(gettext_lazy("Checked by"), "checked_by"),
]


def _staff_or_404(request) -> None:
    if not can_follow_outcomes(request.user):
        raise Http404


def _ja() -> bool:
    return (get_language() or "ja").startswith("ja")


def _fy_label(fy: int) -> str:
    return fiscal_year_label_ja(fy) if _ja() else fiscal_year_label_en(fy)


def _filters(request) -> tuple[Program | None, dt.date]:
    """?program=<code> and ?as_of=YYYY-MM-DD (today in Japan by default; never in the future)."""
    today = today_jst()
    program = None
    code = request.GET.get("program", "").strip()
    if code:
        program = Program.objects.filter(code=code).first()
        if program is None:
            raise Http404
    as_of = today
    text = request.GET.get("as_of", "").strip()
    if text:
        try:
            as_of = parse_date(text, field="as_of")
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            problem = _("A date in the future has no figures yet.") if as_of > today else ""
        if problem:
            # The page's own label of the field ("As of"), the rule, and what is shown instead.
            messages.error(
                request,
                _("%(label)s: %(message)s The figures shown are as of today.")
                % {"label": _("As of"), "message": problem},
            )
            as_of = today
    return program, as_of


def _bar(values):
    """Bars take NaN for a figure with no denominator (no bar), not None."""
    return [math.nan if v is None else v for v in values]


def _item_label(item: selectors.ItemFigures, several_programs: bool) -> str:
    return f"{item.program.code} {item.symbol}" if several_programs else item.symbol


def _charts(overview: selectors.Overview) -> dict[str, str]:
    """Per item bars against the goal, and lines by fiscal year against the goal (cached SVG)."""
    several = len(overview.programs) > 1
    items = overview.counting_items
    categories = [_item_label(i, several) for i in items] + [_("All")]
    achievement = _bar(
        [i.figures.achievement.chart_value for i in items] + [overview.fund.achievement.chart_value]
    )
    use = _bar(
        [i.figures.practical_use.chart_value for i in items]
        + [overview.fund.practical_use.chart_value]
    )
    goal_out = _("Goal %(goal)s %%") % {"goal": overview.output_goal}
    goal_use = _("Goal %(goal)s %%") % {"goal": overview.outcome_goal}
    charts = {
        "items_achievement": selectors.cached_chart(
            "bar_chart",
            categories,
            {_("Target achievement"): achievement},
            title=_("Themes that met their targets / themes completed, by item"),
            unit="%",
            goal=overview.output_goal,
            goal_label=goal_out,
            ylim=(0, 100),
        ),
        "items_practical": selectors.cached_chart(
            "bar_chart",
            categories,
            {_("Practical-use rate"): use},
            title=_("Themes in practical use / adopted themes, by item"),
            unit="%",
            goal=overview.outcome_goal,
            goal_label=goal_use,
            ylim=(0, 100),
        ),
    }
    if overview.over_time:
        xs = [_fy_label(p.fiscal_year) for p in overview.over_time]
        lines_out = {_("All"): [p.figures.achievement.chart_value for p in overview.over_time]}
        lines_use = {_("All"): [p.figures.practical_use.chart_value for p in overview.over_time]}
        if len(items) <= 4:  # a line per item while the chart stays legible
            for i in items:
                lines_out[_item_label(i, several)] = [
                    p.items[i.key].achievement.chart_value for p in overview.over_time
                ]
                lines_use[_item_label(i, several)] = [
                    p.items[i.key].practical_use.chart_value for p in overview.over_time
                ]
        charts["time_achievement"] = selectors.cached_chart(
            "line_chart",
            xs,
            lines_out,
            title=_("Target achievement at the end of each fiscal year"),
            unit="%",
            goal=overview.output_goal,
            goal_label=goal_out,
            ylim=(0, 100),
        )
        charts["time_practical"] = selectors.cached_chart(
            "line_chart",
            xs,
            lines_use,
            title=_("Practical-use rate at the end of each fiscal year"),
            unit="%",
            goal=overview.outcome_goal,
            goal_label=goal_use,
            ylim=(0, 100),
        )
    return charts


def _q(as_of: dt.date, program: Program | None = None, item: int | None = None) -> str:
    """The query string (less the figure) of a list of themes."""
    params = {}
    if program is not None:
        params["program"] = program.code
    if item is not None:
        params["item"] = item
    params["as_of"] = as_of.isoformat()
    return urlencode(params)


def _tables(overview: selectors.Overview, *, links: bool) -> dict:
    """Rows of the item, program and fiscal-year tables, each with its list's query (None: no links)."""

    def q(as_of, program=None, item=None):
        return _q(as_of, program, item) if links else None

    as_of, scope = overview.as_of, overview.program
    return {
        "several": len(overview.programs) > 1,
        "fund_q": q(as_of, scope),
        "item_rows": [{"item": i, "q": q(as_of, i.program, i.number)} for i in overview.items],
        "program_rows": [{"program": p, "q": q(as_of, p.program)} for p in overview.programs],
        "time_rows": [
            {"point": p, "label": _fy_label(p.fiscal_year), "q": q(p.as_of, scope)}
            for p in overview.over_time
        ],
    }


@login_required
def targets_dashboard(request):
    _staff_or_404(request)
    program, as_of = _filters(request)
    overview = selectors.targets_overview(as_of=as_of, program=program)
    programs = list(selectors.programs_with_targets().order_by("code"))
    money_scope = program
    return render(
        request,
        "targets/dashboard.html",
        {
            "overview": overview,
            "charts": _charts(overview),
            "program": program,
            "as_of": as_of,
            "today": today_jst(),
            "programs": programs,
            "due": overview.due,
            "money": selectors.money_back(money_scope),
            "filings": selectors.filings_by_state(money_scope),
            "due_months": selectors.DUE_AFTER_MONTHS,
            "platform_kpis": platform_kpis(),
            **_tables(overview, links=True),
        },
    )


def _export_rows(qs, as_of: dt.date):
    """Every row of the list, read in chunks (the last check of each chunk in one query)."""
    lang = get_language() or "ja"
    iterator = qs.iterator(chunk_size=2000)
    while chunk := list(islice(iterator, 2000)):
        yield from selectors.theme_rows(chunk, as_of=as_of, lang=lang)


@login_required
def targets_themes(request):
    """The themes behind one figure: ?figure=completed|met|adopted|practical|due&item=&program=&as_of=."""
    _staff_or_404(request)
    figure = request.GET.get("figure", "")
    if figure not in selectors.FIGURES:
        raise Http404
    program, as_of = _filters(request)
    item = None
    if request.GET.get("item", "").strip():
        try:
            item = parse_int(request.GET["item"], field="item", minimum=1, maximum=99)
        except ValidationError:
            raise Http404 from None
    qs = selectors.themes_behind(figure, as_of=as_of, program=program, item=item)
    if fmt := export_format(request):
        name = f"{FIGURE_TITLES[figure]}_{as_of.isoformat()}"
        return export_response(_export_rows(qs, as_of), EXPORT_COLUMNS, filename=name, fmt=fmt)
    page = page_of(qs, request.GET.get("page"), PER_PAGE)
    return render(
        request,
        "targets/themes.html",
        {
            "figure": figure,
            "figure_title": FIGURE_TITLES[figure],
            "figures": [(f, FIGURE_TITLES[f]) for f in selectors.FIGURES],
            "program": program,
            "item": item,
            "item_symbol": selectors.item_symbol(item) if item else "",
            "as_of": as_of,
            "page": page,
            "rows": selectors.theme_rows(
                page.object_list, as_of=as_of, lang=get_language() or "ja"
            ),
            "due_months": selectors.DUE_AFTER_MONTHS,
        },
    )


def targets_public(request):
    """The fund's targets for everyone: aggregates and counts only, as of today."""
    today = today_jst()
    overview = selectors.targets_overview(as_of=today)
    if fmt := export_format(request):
        from kikin.exports.columns import filename
        from kikin.publish.columns import TARGET_ITEM_COLUMNS, TARGETS_FILE

        return export_response(
            overview.items, TARGET_ITEM_COLUMNS, filename=filename(TARGETS_FILE), fmt=fmt
        )
    return render(
        request,
        "targets/public.html",
        {
            "overview": overview,
            "charts": _charts(overview),
            "as_of": today,
            "platform_kpis": platform_kpis(),
            **_tables(overview, links=False),
        },
    )
