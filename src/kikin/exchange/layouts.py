"""The column layouts of the exchange files (docs/exchange.md), and how each cell is read.

Four layouts, each one file: `proposals` (one row per proposal), `members` (one row per team
member), `budgets` (one row per proposal and fiscal year) and `adoptions` (one row per decided
proposal). Headers are Japanese as e-Rad writes them; the English headers of docs/exchange.md
are accepted too. Export-only columns (receipt number, organisation name, state...) are written
for the reader and ignored when a file comes back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext as _

KINDS = ("proposals", "members", "budgets", "adoptions")


class CellError(ValueError):
    """A cell that cannot be read; the message says which rule it breaks."""


@dataclass(frozen=True)
class Col:
    key: str
    ja: str
    en: str
    kind: str = "text"  # text, int, yen, date, decimal, bool, fiscal_year
    export_only: bool = False
    required: bool = False  # the column must be in an imported file

    @property
    def label(self) -> str:
        """The column's name in the user's language (Japanese first)."""
        return self.en if (get_language() or "ja").startswith("en") else self.ja


# ---------------------------------------------------------------------------------------------
# Cells


_FULL_WIDTH = {ord("０") + i: str(i) for i in range(10)} | {
    ord("，"): ",",
    ord("．"): ".",
    ord("－"): "-",
    ord("／"): "/",
    ord("　"): " ",
}


def _ascii(text: str) -> str:
    """Full-width digits and signs as ASCII, surrounding spaces removed."""
    return text.translate(_FULL_WIDTH).strip()


def parse_int(text: str) -> int | None:
    t = _ascii(text).replace(",", "")
    if not t:
        return None
    if not re.fullmatch(r"[0-9]+", t):
        raise CellError(_("a whole number, 0 or more"))
    return int(t)


def parse_yen(text: str) -> int | None:
    t = _ascii(text).replace(",", "").removesuffix("円").strip()
    if not t:
        return None
    if not re.fullmatch(r"[0-9]+", t):
        raise CellError(_("whole yen, 0 or more (no decimals, no minus sign)"))
    if len(t) > 18:
        raise CellError(_("too large an amount"))
    return int(t)


def parse_decimal(text: str) -> Decimal | None:
    t = _ascii(text)
    if not t:
        return None
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise CellError(_("a decimal number such as 2.5")) from None
    if not value.is_finite():
        raise CellError(_("a decimal number such as 2.5"))
    return value


def parse_date(text: str) -> dt.date | None:
    t = _ascii(text).replace("/", "-")
    if not t:
        return None
    try:
        y, m, d = (int(p) for p in t.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        raise CellError(_("a date such as 2025-04-01")) from None


_TRUE = {"1", "true", "yes", "○", "〇", "はい", "y"}
_FALSE = {"", "0", "false", "no", "×", "いいえ", "n", "-"}


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellError(_("○ or blank (1/0 and true/false are accepted too)"))


_REIWA = re.compile(r"(?:令和|R)\s*([0-9]+|元)\s*年度?")


def parse_fiscal_year(text: str) -> int | None:
    """2025, or 令和7年度 / R7 (令和1年度 = FY2019)."""
    t = _ascii(text)
    if not t:
        return None
    if re.fullmatch(r"[0-9]{4}", t):
        return int(t)
    m = _REIWA.fullmatch(t)
    if m:
        n = 1 if m.group(1) == "元" else int(m.group(1))
        return 2018 + n
    raise CellError(_("a fiscal year such as 2025 or 令和7年度"))


def read_cell(col: Col, text: str):
    text = text or ""
    if col.kind == "int":
        return parse_int(text)
    if col.kind == "yen":
        return parse_yen(text)
    if col.kind == "decimal":
        return parse_decimal(text)
    if col.kind == "date":
        return parse_date(text)
    if col.kind == "bool":
        return parse_bool(text)
    if col.kind == "fiscal_year":
        return parse_fiscal_year(text)
    if "\x00" in text:
        raise CellError(_("contains a NUL character"))
    return text.strip()


def write_cell(col: Col, value) -> str:
    if value is None:
        return ""
    if col.kind == "bool":
        return "○" if value else ""
    if col.kind == "date":
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# Layouts

TEXT_FIELDS = [
    ("title", "課題名", "Title"),
    ("abstract", "概要", "Abstract"),
    ("plan", "研究開発計画", "R&D plan"),
    ("language", "言語", "Language"),
]

PROPOSALS = [
    Col("id", "提案ID", "Proposal ID", "int", required=True),
    Col("receipt_number", "受付番号", "Receipt number", export_only=True),
    Col("program", "事業", "Program", required=True),
    Col("call", "公募", "Call", required=True),
    Col("theme", "テーマ", "Theme", required=True),
    Col("corporate_number", "法人番号", "Corporate number"),
    Col("organisation", "機関名", "Organisation", export_only=True),
    *(Col(k, ja, en) for k, ja, en in TEXT_FIELDS),
    Col("start_date", "開始日", "Start date", "date"),
    Col("period_months", "期間(月)", "Period (months)", "int"),
    Col("set_value", "費用対効果設定値", "Set value", "decimal"),
    Col("cap_option", "規模区分", "Scope"),
    Col("self_investment_yen", "自己投資額(円)", "Self-investment (yen)", "yen"),
    Col("continuation_plan", "継続計画", "Continuation plan"),
    Col("leakage_core_technologies", "技術流出防止:重要技術", "Leakage: core technologies"),
    Col("leakage_access_control", "技術流出防止:アクセス管理", "Leakage: access control"),
    Col("leakage_staff_management", "技術流出防止:人員管理", "Leakage: staff management"),
    Col("leakage_partner_controls", "技術流出防止:委託先管理", "Leakage: partner controls"),
    Col("development_type", "開発種別", "Development type"),
    Col("benchmark_target", "ベンチマーク目標", "Benchmark target"),
    Col("compute_provider", "計算資源提供者", "Compute provider"),
    Col("accelerator_type", "アクセラレータ種別", "Accelerator type"),
    Col("accelerator_hours", "アクセラレータ時間", "Accelerator-hours", "int"),
    Col("state", "状態", "State", export_only=True),
]

MEMBERS = [
    Col("id", "提案ID", "Proposal ID", "int", required=True),
    Col("title", "課題名", "Title", export_only=True),
    Col("name", "氏名", "Name", required=True),
    Col("researcher_number", "研究者番号", "Researcher number"),
    Col("affiliation", "所属機関", "Affiliation"),
    Col("role", "役割", "Role"),
    Col("is_lead", "研究代表者", "Principal investigator", "bool"),
]

BUDGETS = [
    Col("id", "提案ID", "Proposal ID", "int", required=True),
    Col("title", "課題名", "Title", export_only=True),
    Col("fiscal_year", "年度", "Fiscal year", "fiscal_year", required=True),
    Col("requested_yen", "申請額(円)", "Requested (yen)", "yen", required=True),
    Col("eligible_cost_yen", "対象経費(円)", "Eligible cost (yen)", "yen"),
]

ADOPTIONS = [
    Col("receipt_number", "受付番号", "Receipt number", required=True),
    Col("call", "公募", "Call", export_only=True),
    Col("theme", "テーマ", "Theme", export_only=True),
    Col("corporate_number", "法人番号", "Corporate number", export_only=True),
    Col("organisation", "機関名", "Organisation", export_only=True),
    Col("title", "課題名", "Title", export_only=True),
    Col("requested_yen", "申請総額(円)", "Requested in total (yen)", "yen", export_only=True),
    Col("outcome", "判定", "Outcome", required=True),
    Col("conditions", "採択条件", "Conditions"),
    Col("adopted_as_item", "採択項目", "Adopted as item", "int"),
    Col("reason", "理由", "Reason", required=True),
    Col("override_reason", "推薦外の理由", "Reason for departing from the recommended set"),
    Col("committee_score", "委員会評点", "Committee score", export_only=True),
    Col("approved_at", "承認日", "Approved on", "date", export_only=True),
    Col("notified_at", "通知日", "Notified on", "date", export_only=True),
]

LAYOUTS = {"proposals": PROPOSALS, "members": MEMBERS, "budgets": BUDGETS, "adoptions": ADOPTIONS}

#: The outcome as written in the file ↔ `review.Decision.Outcome`.
OUTCOMES = {"採択": "adopt", "条件付採択": "conditions", "不採択": "reject"}
OUTCOME_TEXT = {v: k for k, v in OUTCOMES.items()}


def parse_outcome(text: str) -> str:
    t = text.strip()
    if t in OUTCOMES:
        return OUTCOMES[t]
    if t in OUTCOME_TEXT:
        return t
    raise CellError(_("採択, 条件付採択 or 不採択 (adopt, conditions, reject)"))


def match_headers(kind: str, headers: list[str]) -> tuple[dict[str, Col], list[str]]:
    """The file's headers → columns (Japanese or English names), and the problems found."""
    by_name = {}
    for col in LAYOUTS[kind]:
        by_name[col.ja] = col
        by_name[col.en.casefold()] = col
    found: dict[str, Col] = {}
    problems = []
    seen = set()
    for h in headers:
        col = by_name.get(h) or by_name.get(h.casefold())
        if col is None:
            problems.append(_("unknown column “%(h)s”") % {"h": h})
        elif col.key in seen:
            problems.append(_("column “%(h)s” appears twice") % {"h": h})
        else:
            seen.add(col.key)
            found[h] = col
    for col in LAYOUTS[kind]:
        if col.required and col.key not in seen:
            problems.append(_("the column “%(h)s” is missing") % {"h": col.label})
    return found, problems
