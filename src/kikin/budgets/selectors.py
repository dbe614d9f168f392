"""Reads of budget frames: programs with their lines in display order, the export rows, and, for
the ministry and the agency, a program's budget against the commitments and payments of its awards.

Display order: programs as a tree (a program whose lines are part of another's, 内数, comes right
after it), roots and siblings in the order the seeds first show them; inside a program, lines
by fiscal year, the initial budget (当初) before the supplementary one (補正) of the same year, which
is the order in which the budgets are passed. A fund's total (基金) is cumulative across budgets
in that order. Parents are never summed from their children (rules.md §10).

Every read costs a constant number of queries: one for the lines; three aggregates (GROUP BY
fiscal year, in SQL) for the budget against spending.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, Sum

from kikin.awards.models import BudgetEntry, Payment
from kikin.programs.models import Program
from kikin.rules.fiscal import fiscal_year_label_en, fiscal_year_label_ja

from .models import BudgetFrame, BudgetType, FrameKind

BUDGET_ORDER = {BudgetType.INITIAL: 0, BudgetType.SUPPLEMENTARY: 1}


def line_order(frame: BudgetFrame) -> tuple:
    """Fiscal year, then 当初 before 補正, then the seed."""
    return (frame.fiscal_year, BUDGET_ORDER.get(frame.budget, 9), frame.source, frame.seed_line)


@dataclass
class ProgramBudget:
    """One program's budget lines, as the seeds know it (code and titles), with its fund total."""

    code: str
    title_ja: str
    title_en: str
    ministry: str
    program: Program | None
    lines: list[BudgetFrame]
    part_of: str = ""
    parent_code: str | None = None
    parent_title: str = ""
    depth: int = 0
    fund_total_yen: int | None = None
    fund_total_includes_draft: bool = False
    children: list[str] = field(default_factory=list)

    @property
    def first_seen(self) -> tuple[str, int]:
        return min((f.source, f.seed_line) for f in self.lines)

    @property
    def is_fund(self) -> bool:
        return self.fund_total_yen is not None


def _group(frames: list[BudgetFrame]) -> dict[str, ProgramBudget]:
    by_code: dict[str, list[BudgetFrame]] = defaultdict(list)
    for f in frames:
        by_code[f.program_code].append(f)
    groups: dict[str, ProgramBudget] = {}
    for code, lines in by_code.items():
        lines.sort(key=line_order)
        first = min(lines, key=lambda f: (f.source, f.seed_line))
        g = ProgramBudget(
            code=code,
            title_ja=first.program_ja,
            title_en=first.program_en,
            ministry=first.ministry,
            program=next((f.program for f in lines if f.program_id), None),
            lines=lines,
        )
        g.part_of = next((f.part_of for f in lines if f.part_of), "")
        parent = next((f.parent for f in lines if f.parent_id), None)
        if parent is not None and parent.program_code != code:
            g.parent_code, g.parent_title = parent.program_code, parent.program_ja
        running, draft = 0, False
        for f in lines:
            f.fund_cumulative_yen = None
            if f.kind == FrameKind.FUND:
                running += f.amount_yen
                draft = draft or f.draft
                f.fund_cumulative_yen = running
        if any(f.kind == FrameKind.FUND for f in lines):
            g.fund_total_yen, g.fund_total_includes_draft = running, draft
        groups[code] = g
    return groups


def _tree_order(groups: dict[str, ProgramBudget]) -> list[ProgramBudget]:
    for g in groups.values():
        if g.parent_code in groups:
            groups[g.parent_code].children.append(g.code)
    out: list[ProgramBudget] = []
    seen: set[str] = set()

    def visit(g: ProgramBudget, depth: int) -> None:
        if g.code in seen:  # a cycle in 内数 would be a data error; show each program once
            return
        seen.add(g.code)
        g.depth = depth
        out.append(g)
        for child in sorted((groups[c] for c in g.children), key=lambda c: c.first_seen):
            visit(child, depth + 1)

    roots = [g for g in groups.values() if g.parent_code not in groups]
    for g in sorted(roots, key=lambda g: g.first_seen):
        visit(g, 0)
    for g in sorted(
        groups.values(), key=lambda g: g.first_seen
    ):  # anything only reachable through a cycle
        visit(g, 0)
    return out


def program_budgets(program_code: str | None = None) -> list[ProgramBudget]:
    """Programs with their budget lines, in display order; one query."""
    qs = BudgetFrame.objects.select_related("program", "parent")
    if program_code is not None:
        qs = qs.filter(program_code=program_code)
    return _tree_order(_group(list(qs)))


def program_budget(program_code: str) -> ProgramBudget | None:
    """One program's lines, or None when no line has that code."""
    found = program_budgets(program_code)
    return found[0] if found else None


BUDGET_LABELS_JA = {BudgetType.INITIAL: "当初", BudgetType.SUPPLEMENTARY: "補正"}
KIND_LABELS_JA = {
    "fund": "基金",
    "appropriation": "歳出予算",
    "grant": "交付金",
    "equity": "出資",
    "other": "その他",
}
UNIT_LABELS = {"cho": "兆円", "oku": "億円", "hyakuman": "百万円", "man": "万円"}


def budget_rows(program_code: str | None = None) -> list[dict]:
    """The budget lines as flat rows for export (Excel, CSV), in display order.

    Money is exact integer yen (None where the seed shows no figure); the amount as the seed writes
    it, its unit and the seed line come beside it. `fund_cumulative_yen` is the program's fund
    total after this line (基金 lines only).
    """
    rows = []
    for g in program_budgets(program_code):
        for f in g.lines:
            rows.append(
                {
                    "ministry": f.ministry,
                    "program_code": f.program_code,
                    "program_ja": f.program_ja,
                    "program_en": f.program_en,
                    "part_of": f.part_of,
                    "fiscal_year": f.fiscal_year,
                    "fiscal_year_ja": fiscal_year_label_ja(f.fiscal_year),
                    "fiscal_year_en": fiscal_year_label_en(f.fiscal_year),
                    "budget": f.budget,
                    "budget_ja": BUDGET_LABELS_JA.get(f.budget, f.budget)
                    + ("（案）" if f.draft else ""),
                    "draft": f.draft,
                    "kind": f.kind,
                    "kind_ja": KIND_LABELS_JA.get(f.kind, f.kind),
                    "amount_yen": f.amount_yen,
                    "gx_share_yen": f.gx_share_yen,
                    "prior_year_yen": f.prior_year_yen,
                    "fund_cumulative_yen": f.fund_cumulative_yen,
                    "amount_as_written": f.amount_as_written,
                    "amount_text": f.amount_text,
                    "unit": f.unit,
                    "unit_ja": UNIT_LABELS.get(f.unit, f.unit),
                    "source": f.source,
                    "seed_line": f.seed_line,
                    "note_ja": f.note_ja,
                }
            )
    return rows


@dataclass(frozen=True)
class YearFigures:
    fiscal_year: int
    budget_yen: int
    committed_yen: int
    paid_yen: int
    fund_budget_yen: int
    cumulative_budget_yen: int
    cumulative_committed_yen: int
    cumulative_paid_yen: int


def _by_year(qs) -> dict[int, int]:
    return {
        r["fiscal_year"]: int(r["s"] or 0)
        for r in qs.order_by().values("fiscal_year").annotate(s=Sum("amount_yen"))
    }


def budget_against_spending(program_code: str, program: Program) -> list[YearFigures]:
    """By fiscal year: the program's budget lines against the commitments (the award budget
    ledgers, `BudgetEntry`, of awards whose theme belongs to `program`) and payments made.

    Three aggregate queries whatever the number of lines, awards or payments. The cumulative
    budget counts the fund lines (基金) only, as a fund's total does; it equals the whole budget
    for a program funded wholly as a fund, such as the post-5G fund.
    """
    budget_rows_ = (
        BudgetFrame.objects.filter(program_code=program_code)
        .order_by()
        .values("fiscal_year")
        .annotate(s=Sum("amount_yen"), fund=Sum("amount_yen", filter=Q(kind=FrameKind.FUND)))
    )
    budget = {r["fiscal_year"]: (int(r["s"] or 0), int(r["fund"] or 0)) for r in budget_rows_}
    committed = _by_year(BudgetEntry.objects.filter(award__theme__program=program))
    paid = _by_year(Payment.objects.filter(award__theme__program=program))
    years = sorted(set(budget) | set(committed) | set(paid))
    out, cb, cc, cp = [], 0, 0, 0
    for fy in years:
        b, fund = budget.get(fy, (0, 0))
        cb, cc, cp = cb + fund, cc + committed.get(fy, 0), cp + paid.get(fy, 0)
        out.append(YearFigures(fy, b, committed.get(fy, 0), paid.get(fy, 0), fund, cb, cc, cp))
    return out
