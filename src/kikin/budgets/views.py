"""Budget-frame pages: every program's budget lines (public), and one program's lines with, for the
ministry and the agency, its budget against the commitments and payments of its awards."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kikin.core import charts
from kikin.exports.columns import filename as export_filename
from kikin.exports.tabular import export_format, export_response
from kikin.rules.fiscal import fiscal_year_label_en, fiscal_year_label_ja
from kikin.rules.money import OKU

from . import selectors
from .columns import BUDGET_COLUMNS, BUDGETS_FILE
from .permissions import can_see_spending


def _oku(yen: int) -> float:
    """Yen → 億円 as a chart coordinate (drawing only; tables show the exact yen)."""
    return float(Decimal(yen) / OKU)


def _fy_label(fy: int) -> str:
    return (
        fiscal_year_label_ja(fy)
        if (get_language() or "ja").startswith("ja")
        else fiscal_year_label_en(fy)
    )


def budget_list(request):
    if fmt := export_format(request):
        return export_response(
            selectors.budget_rows(request.GET.get("program") or None),
            BUDGET_COLUMNS,
            filename=export_filename(BUDGETS_FILE),
            fmt=fmt,
        )
    grouped: dict[str, list] = {}
    for g in selectors.program_budgets():  # display order kept inside each ministry
        grouped.setdefault(g.ministry, []).append(g)
    by_ministry = [{"code": code, "programs": programs} for code, programs in grouped.items()]
    return render(request, "budgets/budget_list.html", {"by_ministry": by_ministry})


def budget_program(request, program_code: str):
    program = selectors.program_budget(program_code)
    if program is None:
        raise Http404
    context = {"p": program, "show_spending": can_see_spending(request.user)}
    if context["show_spending"] and program.program is not None:
        years = selectors.budget_against_spending(program.code, program.program)
        labels = [_fy_label(y.fiscal_year) for y in years]
        unit = _("100 million yen (億円)")
        context["years"] = years
        context["totals"] = {
            "budget": sum(y.budget_yen for y in years),
            "committed": sum(y.committed_yen for y in years),
            "paid": sum(y.paid_yen for y in years),
        }
        context["chart"] = charts.bar_chart(
            labels,
            {
                _("Budget"): [_oku(y.budget_yen) for y in years],
                _("Committed to awards"): [_oku(y.committed_yen) for y in years],
                _("Paid"): [_oku(y.paid_yen) for y in years],
            },
            title=_("Budget, commitments and payments by fiscal year"),
            unit=unit,
        )
        if program.is_fund:
            context["cumulative_chart"] = charts.line_chart(
                labels,
                {
                    _("Fund budget, cumulative"): [_oku(y.cumulative_budget_yen) for y in years],
                    _("Committed, cumulative"): [_oku(y.cumulative_committed_yen) for y in years],
                    _("Paid, cumulative"): [_oku(y.cumulative_paid_yen) for y in years],
                },
                title=_("The fund: cumulative budget, commitments and payments"),
                unit=unit,
            )
    return render(request, "budgets/budget_program.html", context)
