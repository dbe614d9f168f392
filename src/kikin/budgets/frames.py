"""Budget frames (予算の枠組み) as data: the budget lines of seeds 002 and 004, read from
`kikin/rules/data/budget_frames.toml` and turned into exact yen (rules.md §10).

Pure Python, no Django: the loader service (`services.load_budget_frames`) copies what this
module returns into the database.

A line is one figure of a seed: a program's initial (当初, often still a draft 案) or
supplementary (補正) budget of one fiscal year, in 兆円, 億円, 百万円 or 万円. A line may be part of a
larger one (内数); its GX share is inside it, not added to it; the prior year's figure, where the
seed shows one in brackets, is kept beside it. Every amount must be a whole number of yen: a
fraction of a yen is refused with the line named, never rounded away.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from pathlib import Path

from kikin.rules.money import HYAKUMAN, MAN, OKU

CHO = 10**12  # 兆円

#: unit key of the TOML → (yen per unit, label as the seeds write it)
UNITS: dict[str, tuple[int, str]] = {
    "cho": (CHO, "兆円"),
    "oku": (OKU, "億円"),
    "hyakuman": (HYAKUMAN, "百万円"),
    "man": (MAN, "万円"),
}
BUDGETS = ("initial", "supplementary")  # 当初, 補正
KINDS = ("fund", "appropriation", "grant", "equity", "other")  # 基金, 歳出, 交付金, 出資, その他
SCHEMA = 1
DATA_FILE = "budget_frames.toml"


class BudgetFrameError(ValueError):
    """A line of the budget-frame data that cannot be taken as it is; the message names the line."""


@dataclass(frozen=True)
class FrameSpec:
    """One budget line, its money in exact yen and as the seed writes it."""

    source: str
    line: int
    ministry: str
    program_ja: str
    program_en: str
    program_code: str
    fiscal_year: int
    budget: str
    draft: bool
    kind: str
    amount: str
    unit: str
    amount_yen: int
    part_of: str = ""
    gx_share: str = ""
    gx_share_yen: int | None = None
    prior_year_amount: str = ""
    prior_year_yen: int | None = None
    note_ja: str = ""

    @property
    def key(self) -> tuple[str, int]:
        """The seed file and line of the figure: what names a line across loads."""
        return (self.source, self.line)


def to_yen(amount: str | int, unit: str, *, where: str, field: str = "amount") -> int:
    """`"9.8"` 億円 → 980,000,000 yen, exactly (Fraction arithmetic, no rounding).

    A float is refused (0.1 is not exact in binary), and so is any amount that is not a whole
    number of yen (e.g. `"0.000000001"` 億円 = 0.1 yen): `where` names the line in the message.
    """
    if unit not in UNITS:
        raise BudgetFrameError(f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}")
    if isinstance(amount, (bool, float)):
        raise BudgetFrameError(
            f'{where}: {field} must be written as a string such as "9.8", not {amount!r}'
        )
    text = str(amount).strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BudgetFrameError(f"{where}: {field} {amount!r} is not a number") from None
    if not value.is_finite():
        raise BudgetFrameError(f"{where}: {field} {amount!r} is not a finite number")
    if value < 0:
        raise BudgetFrameError(f"{where}: {field} {amount!r} is negative")
    per_unit, label = UNITS[unit]
    yen = Fraction(value) * per_unit
    if yen.denominator != 1:
        raise BudgetFrameError(
            f"{where}: {field} {text}{label} is not a whole number of yen ({yen.numerator}/{yen.denominator} yen)"
        )
    return int(yen)


def _text(raw: dict, key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise BudgetFrameError(f"{where}: {key} must be a string, not {value!r}")
    value = value.strip()
    if required and not value:
        raise BudgetFrameError(f"{where}: {key} is missing")
    return value


def parse_line(raw: dict, index: int) -> FrameSpec:
    """One `[[line]]` table → FrameSpec; `index` (1-based) names it in errors until its seed line is known."""
    source = raw.get("source", "?")
    where = f"budget line {index} ({source} line {raw.get('line', '?')})"
    line = raw.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise BudgetFrameError(f"{where}: line must be the seed line number, not {line!r}")
    fy = raw.get("fiscal_year")
    if not isinstance(fy, int) or isinstance(fy, bool) or not 1989 <= fy <= 2100:
        raise BudgetFrameError(f"{where}: fiscal_year must be a year such as 2025, not {fy!r}")
    budget = _text(raw, "budget", where)
    if budget not in BUDGETS:
        raise BudgetFrameError(f"{where}: budget {budget!r} is not one of {', '.join(BUDGETS)}")
    kind = _text(raw, "kind", where)
    if kind not in KINDS:
        raise BudgetFrameError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    draft = raw.get("draft", False)
    if not isinstance(draft, bool):
        raise BudgetFrameError(f"{where}: draft must be true or false, not {draft!r}")
    unit = _text(raw, "unit", where)
    amount_raw = raw.get("amount", "")
    amount = amount_raw.strip() if isinstance(amount_raw, str) else amount_raw
    if amount == "":
        raise BudgetFrameError(f"{where}: amount is missing")
    amount_yen = to_yen(amount, unit, where=where)
    gx = raw.get("gx_share", "")
    gx = gx.strip() if isinstance(gx, str) else gx
    gx_yen = to_yen(gx, unit, where=where, field="gx_share") if gx != "" else None
    if gx_yen is not None and gx_yen > amount_yen:
        # The GX share is inside the line (一部GX), so it cannot exceed it.
        raise BudgetFrameError(
            f"{where}: gx_share {gx} is more than the line's amount {amount}; a GX share is part of the line"
        )
    prior = raw.get("prior_year_amount", "")
    prior = prior.strip() if isinstance(prior, str) else prior
    prior_yen = to_yen(prior, unit, where=where, field="prior_year_amount") if prior != "" else None
    code = _text(raw, "program_code", where)
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in code) or len(code) > 40:
        raise BudgetFrameError(
            f"{where}: program_code {code!r} must be a short slug such as post5g"
        )
    return FrameSpec(
        source=_text(raw, "source", where),
        line=line,
        ministry=_text(raw, "ministry", where),
        program_ja=_text(raw, "program_ja", where),
        program_en=_text(raw, "program_en", where, required=False),
        program_code=code,
        fiscal_year=fy,
        budget=budget,
        draft=draft,
        kind=kind,
        amount=str(amount),
        unit=unit,
        amount_yen=amount_yen,
        part_of=_text(raw, "part_of", where, required=False),
        gx_share=str(gx),
        gx_share_yen=gx_yen,
        prior_year_amount=str(prior),
        prior_year_yen=prior_yen,
        note_ja=_text(raw, "note_ja", where, required=False),
    )


def parse_frames(data: dict) -> tuple[FrameSpec, ...]:
    """The whole file → its lines, checked: the schema, each line, and one line per seed line."""
    if data.get("schema") != SCHEMA:
        raise BudgetFrameError(
            f"budget frames: schema must be {SCHEMA}, not {data.get('schema')!r}"
        )
    out: list[FrameSpec] = []
    seen: dict[tuple[str, int], int] = {}
    for i, raw in enumerate(data.get("line", ()), start=1):
        spec = parse_line(raw, i)
        if spec.key in seen:
            raise BudgetFrameError(
                f"budget line {i} ({spec.source} line {spec.line}): the same seed line as budget line {seen[spec.key]}"
            )
        seen[spec.key] = i
        out.append(spec)
    return tuple(out)


def read_frames(path: str | Path | None = None) -> tuple[FrameSpec, ...]:
    """The budget lines of `path`, or of the packaged `kikin/rules/data/budget_frames.toml`."""
    if path is None:
        text = (
            resources.files("kikin.rules").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
        )
    else:
        text = Path(path).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetFrameError(f"budget frames: {exc}") from None
    return parse_frames(data)
