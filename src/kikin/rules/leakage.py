"""Technology-leakage prevention: when an act needs prior consultation with the ministry.

Seed: 000_628dcc7e01f6f899.txt lines 6476–6510 (別紙3, from the 2025 calls on). Before any of
the acts below, toward another party or country, concerning the implementer's non-public core
important technologies (コア重要技術等), the implementer (or a group company) consults the
ministry in good time where

  ① it knows of a risk of forced technology transfer, or the other party in the last five
    years broke UN resolutions or other international norms (イ), or acts under a foreign
    government's influence (ロ); or
  ② the ministry told it to consult because of such a risk.

Acts (lines 6494–6510): transfer the IP or the business (`transfer_ip`); provide the
technology (`provide`); joint R&D (`joint_rd`); R&D abroad (`rd_abroad`); build a production
site abroad or invest in one so that its capacity grows by more than 10 % (`production_abroad`),
except where 85 % or more of its output is consumed in that country.
"""

from __future__ import annotations

from decimal import Decimal

from .errors import MissingValueError, RuleError

ACTS = ("transfer_ip", "provide", "joint_rd", "rd_abroad", "production_abroad")
#: Capacity growth above this share makes an investment abroad an act (10％を超える, line 6508).
CAPACITY_INCREASE_THRESHOLD = Decimal(10)
#: Local consumption at or above this share takes a site out (85％以上, line 6510).
LOCAL_CONSUMPTION_THRESHOLD = Decimal(85)

RISK_CODES = ("forced_transfer_risk", "counterparty_broke_norms_5y", "foreign_government_influence")


def production_abroad_counts(
    new_site: bool, capacity_increase_percent: Decimal | None, local_consumption_percent: Decimal
) -> tuple[bool, list[str]]:
    """Whether building or expanding a site abroad is an act under the rule, and why.

    Lines 6506–6510.

    A new site counts, and so does an investment that grows the site's capacity by more than
    10 %; neither counts where 85 % or more of the site's output is consumed in that country.
    """
    reasons: list[str] = []
    if new_site:
        reasons.append("production_new_site")
    elif capacity_increase_percent is None:
        raise MissingValueError(
            "capacity_increase_percent", "required for production_abroad at an existing site"
        )
    elif capacity_increase_percent > CAPACITY_INCREASE_THRESHOLD:
        reasons.append("production_capacity_increase_over_10")
    else:
        return False, ["production_capacity_increase_10_or_less"]
    if local_consumption_percent >= LOCAL_CONSUMPTION_THRESHOLD:
        return False, ["production_local_consumption_85"]
    return True, reasons


def prior_consultation_required(
    act: str,
    capacity_increase_percent: Decimal | None = None,
    local_consumption_percent: Decimal | None = None,
    forced_transfer_risk: bool = False,
    counterparty_broke_norms_5y: bool = False,
    foreign_government_influence: bool = False,
    ministry_requested: bool = False,
    new_site: bool = False,
) -> tuple[bool, list[str]]:
    """事前相談: whether the act needs prior consultation, with stable reason codes.

    Lines 6476–6510.

    Required where the act counts AND (a risk of ① is known OR the ministry asked, ②).
    Reasons when required: the act (`act_transfer_ip`, …, `production_new_site`,
    `production_capacity_increase_over_10`) then each ground (`forced_transfer_risk`,
    `counterparty_broke_norms_5y`, `foreign_government_influence`, `ministry_requested`).
    Reasons when not: `production_capacity_increase_10_or_less`,
    `production_local_consumption_85` (the act does not count) and/or `no_risk_known`.
    """
    if act not in ACTS:
        raise RuleError("act", f"{act!r} is not one of {', '.join(ACTS)}")
    for name, value in (
        ("capacity_increase_percent", capacity_increase_percent),
        ("local_consumption_percent", local_consumption_percent),
    ):
        if value is not None and value < 0:
            raise RuleError(name, "must not be negative")
    if local_consumption_percent is not None and local_consumption_percent > 100:
        raise RuleError("local_consumption_percent", "must not exceed 100")
    grounds = [
        code
        for code, known in zip(
            RISK_CODES,
            (forced_transfer_risk, counterparty_broke_norms_5y, foreign_government_influence),
            strict=True,
        )
        if known
    ]
    if ministry_requested:
        grounds.append("ministry_requested")
    if act == "production_abroad":
        if local_consumption_percent is None:
            raise MissingValueError("local_consumption_percent", "required for production_abroad")
        counts, act_reasons = production_abroad_counts(
            new_site, capacity_increase_percent, local_consumption_percent
        )
    else:
        counts, act_reasons = True, [f"act_{act}"]
    if not counts:
        return False, act_reasons + ([] if grounds else ["no_risk_known"])
    if not grounds:
        return False, ["no_risk_known"]
    return True, act_reasons + grounds
