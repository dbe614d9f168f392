"""The admission check of a proposal: every rule of its theme that its data can decide.

One function, `check_eligibility`, answers for `kikin calc eligibility` and for the web form
(`kikin.calls.validation`): the same reasons, each with a code, the field at fault, a sentence in
Japanese and in English, and the seed line of the rule. What it checks, all read from the plan
file's declarations (never from a theme's code):

- the period: at most the theme's (by call where the plan says so), inside the program's life
  (000 lines 4404–4450, 5367); the money by fiscal year inside the period;
- the set value of a theme under the refund scheme: given, and above 1.0 after rounding
  (lines 4526–4528);
- the cap, on the fund's share (委託費・助成費, lines 4799–4800): of the whole request, or of the
  money planned up to the first stage gate (lines 4898–4901, 4932–4948, 5025–5119; where the
  proposal gives fiscal years only, the year in which the gate falls counts in full), a growing
  cap's last total, the scope's figure, each pool the theme belongs to (lines 4916–4920, 5159);
  for items whose caps may be exceeded, the amount the selection reviewers approved replaces the
  plan's (lines 4958–4966, 5137–5143);
- the GX commitment of GX themes (lines 4751–4755);
- the application conditions (応募条件) of the program and the theme: built-in checks on the
  applicant and its partners (e.g. the foreign partner of ② (d1), lines 3438–3446), and
  declarations that the applicant affirms and the officer confirms at the first review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from . import caps, fiscal
from .dates import period_end
from .errors import RuleError
from .plan import Condition, ProgramRules, ThemeSpec
from .schedule import stage_gate_due

#: The seed lines of the rules that are the program's own, where the plan file names none.
RELATIONS = ("none", "parent", "subsidiary")


@dataclass(frozen=True)
class Applicant:
    category: str
    registered_in_japan: bool = True
    rd_base_in_japan: bool = True
    research_institution: bool = False


@dataclass(frozen=True)
class PartnerInfo:
    name: str
    country: str = "JP"
    relation: str = "none"
    role: str = "joint"
    supplies_ai_compute: bool = False

    @property
    def is_foreign(self) -> bool:
        return self.country.upper() != "JP"


@dataclass(frozen=True)
class Request:
    """What the proposal asks: the period and the fund's share by fiscal year (NEDO負担額)."""

    start_date: dt.date | None
    period_months: int | None
    requested_yen_by_fy: Mapping[int, int]
    requested_to_first_gate_yen: int | None = None
    set_value: Decimal | None = None
    option: str | None = None
    gx_commitment: bool = False
    approved_cap_yen: int | None = None
    declarations: frozenset[str] = frozenset()

    @property
    def total_yen(self) -> int:
        return sum(self.requested_yen_by_fy.values())


@dataclass(frozen=True)
class Reason:
    code: str
    field: str
    message_ja: str
    message_en: str
    seed_line: int | None = None

    def message(self, language: str) -> str:
        return self.message_ja if language == "ja" else self.message_en


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[Reason, ...]
    cap_yen: int | None
    cap_kind: str
    first_gate_date: dt.date | None
    requested_to_first_gate_yen: int | None
    requested_total_yen: int
    declarations_needed: tuple[Condition, ...] = field(default_factory=tuple)
    advice: tuple[Condition, ...] = field(default_factory=tuple)


def _yen(n: int) -> str:
    return f"{n:,}"


def _oku(n: int) -> str:
    from decimal import Decimal as D

    return format((D(n) / 10**8).normalize(), "f")


def pool_amount(
    theme: ThemeSpec, rules: ProgramRules, pool, requested_by_fy: Mapping[int, int]
) -> int:
    """What one proposal counts against a pool: its money of its first N fiscal years, N the
    member's `years` ((g5-1) and ④(b) three years, (g5-2) (g5-3) one, lines 4916–4920)."""
    years = rules.pool_years(pool, theme) or 0
    if not requested_by_fy:
        return 0
    first = min(requested_by_fy)
    return sum(yen for fy, yen in requested_by_fy.items() if fy < first + years)


def check_condition(
    condition: Condition,
    applicant: Applicant,
    partners: Iterable[PartnerInfo],
    request: Request,
) -> Reason | None:
    """The reason `condition` refuses the proposal, or None where it is met."""
    partners = list(partners)
    check, params = condition.check, condition.params
    text_ja, text_en = condition.text_ja, condition.text_en
    if check == "advice":  # a recommendation of the plan: shown, never refusing
        return None
    if check == "declaration":
        if condition.code in request.declarations:
            return None
        if params.get("when") == "foreign_partner" and not any(p.is_foreign for p in partners):
            return None
        return Reason(
            condition.code,
            "declarations",
            f"応募条件を満たすことの申告が必要です：{text_ja}",
            f"Declare that the proposal meets this condition: {text_en}",
            condition.line,
        )
    ok = True
    field_name = "partners"
    if check == "rd_base_in_japan":
        ok, field_name = applicant.rd_base_in_japan, "applicant.rd_base_in_japan"
    elif check == "registered_in_japan":
        ok, field_name = applicant.registered_in_japan, "applicant.registered_in_japan"
    elif check == "not_research_institution_alone":
        ok = not applicant.research_institution or bool(partners)
    elif check == "foreign_partner":
        roles = set(params.get("roles", ("joint", "adviser")))
        compute = params.get("supplies_ai_compute", False)
        ok = any(
            p.is_foreign
            and p.relation == "none"
            and p.role in roles
            and (p.supplies_ai_compute or not compute)
            for p in partners
        )
    elif check == "partner_count":
        roles = set(params.get("roles", ("joint", "adviser")))
        ok = sum(p.role in roles for p in partners) >= int(params.get("min", 1))
    elif check == "gx_commitment":
        ok, field_name = request.gx_commitment, "gx_commitment"
    elif check == "not_option_only":
        ok = request.option != params.get("option") or condition.code in request.declarations
        field_name = "option"
    if ok:
        return None
    return Reason(
        condition.code,
        field_name,
        f"応募条件を満たしていません：{text_ja}",
        f"The proposal does not meet this condition: {text_en}",
        condition.line,
    )


def check_eligibility(
    theme: ThemeSpec,
    rules: ProgramRules,
    applicant: Applicant,
    partners: Iterable[PartnerInfo],
    request: Request,
    *,
    program_end: dt.date | None,
    program_end_line: int | None = None,
    call: str | None = None,
    call_opens: dt.date | None = None,
    call_fy: int | None = None,
) -> Eligibility:
    """Every reason the proposal cannot be admitted, and the cap that applies to it."""
    partners = list(partners)
    reasons: list[Reason] = []

    def add(code, field_name, ja, en, line=None):
        reasons.append(Reason(code, field_name, ja, en, line))

    # The period (000 lines 4404–4450, 5367).
    months = theme.period_for_call(call)
    end = None
    if request.start_date is None:
        add(
            "start_date_required",
            "start_date",
            "開始日を入力してください。",
            "Give the start date.",
        )
    elif call_opens is not None and request.start_date < call_opens:
        add(
            "start_before_call",
            "start_date",
            "研究開発は公募の開始前に始めることはできません。",
            "The work cannot start before the call opens.",
        )
    if not request.period_months:
        add(
            "period_required",
            "period_months",
            "研究開発期間（月数）を入力してください。",
            "Give the period in months.",
        )
    elif request.period_months > months:
        add(
            "period_too_long",
            "period_months",
            f"このテーマの研究開発期間は{months}か月以内です（現在{request.period_months}か月）。",
            f"The period of this theme is at most {months} months (now {request.period_months}).",
            4404,
        )
    if request.start_date and request.period_months:
        end = period_end(request.start_date, request.period_months)
        if program_end is not None and end > program_end:
            add(
                "period_after_program_end",
                "period_months",
                f"研究開発期間が{end.isoformat()}に終わり、事業の終了（{program_end.isoformat()}）を過ぎます。",
                f"The period would end on {end.isoformat()}, after the program ends on {program_end.isoformat()}.",
                program_end_line,
            )
    by_fy = dict(request.requested_yen_by_fy)
    if not by_fy:
        add(
            "budget_required",
            "requested_yen_by_fy",
            "年度ごとの委託費・助成費（NEDO負担額）を入力してください。",
            "Give the amount asked of the fund for each fiscal year.",
        )
    for fy, yen in by_fy.items():
        if yen < 0:
            add(
                "negative_amount",
                f"requested_yen_by_fy.{fy}",
                f"{fy}年度の金額が負です。",
                f"The amount of FY{fy} is negative.",
            )
    if request.start_date and end:
        first_fy, last_fy = fiscal.fiscal_year(request.start_date), fiscal.fiscal_year(end)
        for fy in sorted(by_fy):
            if not first_fy <= fy <= last_fy:
                add(
                    "fy_outside_period",
                    f"requested_yen_by_fy.{fy}",
                    f"{fy}年度は研究開発期間（{first_fy}〜{last_fy}年度）の外です。",
                    f"Fiscal year {fy} is outside the period (FY{first_fy}–FY{last_fy}).",
                )

    # The set value of the refund scheme (lines 4522–4528).
    if theme.refund_scheme:
        if request.set_value is None:
            add(
                "set_value_required",
                "set_value",
                "このテーマは研究開発費返還制度の対象です。費用対効果指標の設定値を入力してください。",
                "This theme is under the R&D cost refund scheme: give the set value of the cost-effectiveness index.",
                4522,
            )
        elif not caps.set_value_admissible(request.set_value):
            shown = caps.round_index(request.set_value)
            add(
                "set_value_not_admissible",
                "set_value",
                f"設定値は小数点以下第２位を四捨五入して1.0を超える必要があります（現在{shown}）。",
                f"The set value must exceed 1.0 after rounding to one decimal (now {shown}).",
                4526,
            )
    elif request.set_value is not None:
        add(
            "set_value_not_applicable",
            "set_value",
            "このテーマは研究開発費返還制度の対象ではありません。設定値は空欄にしてください。",
            "This theme is not under the refund scheme: leave the set value empty.",
        )

    # The scope (cap options).
    option_keys = [o.key for o in theme.cap.options]
    if theme.cap.kind == "options":
        if not request.option:
            add(
                "option_required",
                "option",
                "提案の範囲を選んでください（" + "、".join(option_keys) + "）。",
                "Choose the scope of the proposal (" + ", ".join(option_keys) + ").",
                theme.cap.line,
            )
        elif request.option not in option_keys:
            add(
                "option_unknown",
                "option",
                f"「{request.option}」はこのテーマの提案範囲ではありません。",
                f"{request.option!r} is not a scope of this theme ({', '.join(option_keys)}).",
                theme.cap.line,
            )
    elif request.option:
        add(
            "option_not_applicable",
            "option",
            "このテーマには提案範囲の区分がありません。",
            "This theme has no scopes to choose from.",
        )

    # The cap.
    if call_fy is None and call_opens is not None:
        call_fy = fiscal.fiscal_year(call_opens)
    cap_yen, cap_kind = _plan_cap(theme, request, call, call_fy)
    first_gate = None
    if theme.stage_gate_months and request.start_date:
        first_gate = stage_gate_due(request.start_date, theme.stage_gate_months)
    to_gate = request.requested_to_first_gate_yen
    if to_gate is None and first_gate is not None and theme.cap.scope == "first_gate":
        to_gate = caps.money_to_first_gate(
            by_fy, first_gate, rules.eligibility.first_gate_fy_counts_in_full
        )
    if (
        request.requested_to_first_gate_yen is not None
        and request.requested_to_first_gate_yen > request.total_yen
    ):
        add(
            "to_first_gate_above_total",
            "requested_to_first_gate_yen",
            "初回ステージゲートまでの金額が総額を超えています。",
            "The money up to the first stage gate is more than the whole request.",
        )
    if request.approved_cap_yen is not None:
        if not theme.cap_exceedable:
            add(
                "approved_cap_not_allowed",
                "approved_cap_yen",
                "このテーマの予算規模は採択審査で超過を認めることができません（研究開発項目②④に限る）。",
                "This theme's cap cannot be exceeded by the selection reviewers' approval (items ② and ④ only).",
                4958,
            )
        elif cap_yen is not None:
            cap_yen, cap_kind = request.approved_cap_yen, "approved"
    bounded = to_gate if theme.cap.scope == "first_gate" else request.total_yen
    if cap_yen is not None and bounded is not None and bounded > cap_yen:
        exceedable = theme.cap_exceedable and cap_kind != "approved"
        where_ja = "初回ステージゲート審査までの" if theme.cap.scope == "first_gate" else ""
        where_en = " up to the first stage gate" if theme.cap.scope == "first_gate" else ""
        add(
            "over_cap_to_first_gate" if theme.cap.scope == "first_gate" else "over_cap",
            "requested_to_first_gate_yen"
            if theme.cap.scope == "first_gate"
            else "requested_yen_by_fy",
            f"{where_ja}提案額{_yen(bounded)}円が予算規模の上限{_yen(cap_yen)}円（{_oku(cap_yen)}億円）を超えています。"
            + ("採択審査で外部有識者が認めた場合に限り超過できます。" if exceedable else ""),
            f"The request{where_en}, {_yen(bounded)} yen, is above the cap of {_yen(cap_yen)} yen ({_oku(cap_yen)} 億円)."
            + (" Only the external reviewers at selection may approve more." if exceedable else ""),
            theme.cap.line,
        )
    if theme.cap.tranches_yen and cap_kind != "approved":
        final = theme.cap.tranches_yen[-1]
        if request.total_yen > final:
            add(
                "over_cap_total",
                "requested_yen_by_fy",
                f"提案総額{_yen(request.total_yen)}円が最後のステージゲートまでの総額の上限{_yen(final)}円を超えています。",
                f"The whole request, {_yen(request.total_yen)} yen, is above the total allowed up to the last gate, {_yen(final)} yen.",
                theme.cap.line,
            )
    for pool in rules.pools_of(theme):
        amount = pool_amount(theme, rules, pool, by_fy)
        if amount > pool.cap_yen:
            years = rules.pool_years(pool, theme)
            add(
                "over_pool",
                "requested_yen_by_fy",
                f"最初の{years}年度分{_yen(amount)}円が共通の上限「{pool.title_ja or pool.key}」{_yen(pool.cap_yen)}円を超えています。",
                f"The first {years} fiscal years' money, {_yen(amount)} yen, is above the shared cap "
                f"'{pool.title_en or pool.key}' of {_yen(pool.cap_yen)} yen.",
                pool.line,
            )
        if (cap_yen is None or pool.cap_yen < cap_yen) and cap_kind in ("none", "pooled"):
            cap_yen, cap_kind = pool.cap_yen, "pooled"

    # GX commitment (lines 4751–4755).
    if theme.gx and not request.gx_commitment:
        add(
            "gx_commitment",
            "gx_commitment",
            "GXの開発テーマでは、研究成果の社会実装へのコミットが必要です。",
            "A GX theme needs the implementer's commitment to putting the results into use.",
            4751,
        )

    # Application conditions (応募条件) of the program and the theme.
    conditions = (*rules.conditions, *theme.conditions)
    for condition in conditions:
        reason = check_condition(condition, applicant, partners, request)
        if reason is not None:
            reasons.append(reason)
    return Eligibility(
        eligible=not reasons,
        reasons=tuple(reasons),
        cap_yen=cap_yen,
        cap_kind=cap_kind,
        first_gate_date=first_gate,
        requested_to_first_gate_yen=to_gate,
        requested_total_yen=request.total_yen,
        declarations_needed=tuple(c for c in conditions if _to_declare(c, partners, request)),
        advice=tuple(c for c in conditions if c.check == "advice"),
    )


def _to_declare(condition: Condition, partners, request: Request) -> bool:
    """A condition the applicant must affirm: a declaration (one that applies only with a
    foreign partner, only then), or a scope the plan refuses on its own (e.g. (g6)'s testbed)
    where the proposal chose it and must declare the rest of its work."""
    if condition.check == "declaration":
        if condition.params.get("when") == "foreign_partner":
            return any(p.is_foreign for p in partners)
        return True
    return condition.check == "not_option_only" and request.option == condition.params.get("option")


def _plan_cap(
    theme: ThemeSpec, request: Request, call: str | None, call_fy: int | None
) -> tuple[int | None, str]:
    """The plan's figure for this proposal and its kind; (None, kind) where it cannot be known
    yet (no admissible set value, no scope chosen, no call for a call total)."""
    rule = theme.cap
    kind = rule.label_kind
    if rule.kind == "none":
        return None, "none"
    if rule.kind == "variable" and (
        request.set_value is None or not caps.set_value_admissible(request.set_value)
    ):
        return None, kind
    try:
        return (
            caps.budget_cap(
                rule,
                set_value=request.set_value if rule.kind == "variable" else None,
                call=call,
                option=request.option,
                call_fy=call_fy,
            ),
            kind,
        )
    except RuleError:
        return None, kind
