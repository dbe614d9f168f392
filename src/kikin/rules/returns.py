"""Money that comes back besides the refund: the self-investment pledge and revenue payback.

Seed: 000_628dcc7e01f6f899.txt lines 4731–4745 (自己開発投資額, contract themes) and 別紙1,
lines 5483–5535 (収益納付額, grant themes).
"""

from __future__ import annotations

from fractions import Fraction

from .errors import RuleError
from .money import truncate_yen


def _non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise RuleError(name, "must not be negative")


def self_investment_return(
    pledged_yen: int, received_yen: int, proposal_contract_yen: int, actual_burden_yen: int
) -> int:
    """The difference returned when the self-funded burden falls short of the pledge.

    Lines 4731–4741: cost above a contract theme's cap may be self-funded (自己開発投資額) if
    pledged at adoption; at the end, where the actual burden (実負担額) is below
    `pledged × (money received / proposal-time contract cost)`, the implementer returns the
    difference: max(0, pledged × received / proposal − actual burden), truncated to the yen.
    The money received excludes budget increases (lines 4534–4538), so it cannot exceed the
    proposal-time contract cost, and the return never exceeds the pledge.
    """
    _non_negative(
        pledged_yen=pledged_yen,
        received_yen=received_yen,
        proposal_contract_yen=proposal_contract_yen,
        actual_burden_yen=actual_burden_yen,
    )
    if proposal_contract_yen == 0:
        raise RuleError("proposal_contract_yen", "must be greater than 0")
    if received_yen > proposal_contract_yen:
        raise RuleError(
            "received_yen",
            "must not exceed proposal_contract_yen (money received excludes budget increases)",
        )
    due = Fraction(pledged_yen * received_yen, proposal_contract_yen) - actual_burden_yen
    return truncate_yen(due) if due > 0 else 0


def revenue_payback(
    profit_yen: int,
    deduction_yen: int,
    grant_yen: int,
    spending_yen: int,
    paid_yen: int,
    contribution_ratio: Fraction = Fraction(1),
) -> int:
    """収益納付額 = (A − B) × C / D − E, only where A − B > 0; never negative.

    別紙1, lines 5483–5535:
    A profit: cumulative operating profit of the subsidized products (may be negative), times
      the contribution ratio (寄与率, 注2) where the grant contributed only in part;
    B deduction: the eligible subsidized cost (控除額);
    C grant: the confirmed grant amount (補助金確定額);
    D spending: all spending on the subsidized work, during and after it (支出額);
    E paid: payback already made in earlier years (納付額).
    Over several years B, C and D are cumulative (注4). Truncated to the yen.
    """
    _non_negative(
        deduction_yen=deduction_yen,
        grant_yen=grant_yen,
        spending_yen=spending_yen,
        paid_yen=paid_yen,
    )
    if spending_yen == 0:
        raise RuleError("spending_yen", "must be greater than 0")
    if not 0 <= contribution_ratio <= 1:
        raise RuleError("contribution_ratio", "must be between 0 and 1")
    surplus = Fraction(profit_yen) * contribution_ratio - deduction_yen
    if surplus <= 0:  # 注1: 相当の収益が生じた場合とは A − B > 0 となる場合
        return 0
    due = surplus * grant_yen / spending_yen - paid_yen
    return truncate_yen(due) if due > 0 else 0
