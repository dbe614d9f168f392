"""Names of the inputs an assessment keeps, as shown on the page and on the notice (ja/en)."""

from django.utils.translation import gettext_lazy as _

INPUT_LABELS = {
    # R&D cost refund (000 lines 4566–4666)
    "start_fy": _("Start year of the work"),
    "evaluation_fy": _("Evaluation year"),
    "baseline_sales": _("Sales of a year before the start"),
    "baseline_mean": _("Mean of the two years before the start"),
    "window_sales": _("Sales of a year of the window"),
    "best_sales": _("Highest sales of the window"),
    "sales_increase": _("Sales increase"),
    "received": _("Contract money received (less acceleration and continuation money)"),
    "proposal_contract": _("Proposal-time contract cost"),
    "set_value": _("Set value of the cost-effectiveness index"),
    "achieved_value": _("Achieved value (sales increase ÷ money received, rounded half up)"),
    "refund_rate": _("Refund rate"),
    "refund": _("Refund (money received × refund rate, truncated)"),
    # Self-investment (000 lines 4731–4741)
    "pledged": _("Pledged self-investment"),
    "pledge_scaled": _("Pledge × (money received ÷ proposal-time cost)"),
    "self_burden": _("Self-funded burden of a year"),
    "actual_burden": _("Actual burden"),
    "due": _("Due in all"),
    "earlier": _("Charged in earlier years"),
    # Revenue payback (別紙1)
    "profit": _("Operating profit of a year × contribution ratio"),
    "a_profit": _("A: cumulative profit"),
    "b_deduction": _("B: deduction (eligible subsidized cost)"),
    "c_grant": _("C: confirmed grant"),
    "d_spending_work": _("Spending on the subsidized work"),
    "d_spending_after": _("Spending after the work"),
    "d_spending": _("D: spending in all"),
    "surplus": _("A − B"),
    "e_earlier": _("E: payback of earlier years"),
}

NOTICE_TITLES = {
    "refund": ("研究開発費返還通知書", _("Notice of R&D cost refund")),
    "self_investment": (
        "自己開発投資額に係る差額返還通知書",
        _("Notice of self-investment return"),
    ),
    "payback": ("収益納付通知書", _("Notice of revenue payback")),
}
