"""Export columns of the outcomes lists (filings, money that comes back): exact yen, both calendars."""

from django.utils.translation import gettext_lazy as _

from kikin.exports.tabular import Column

from .models import AssessmentKind, AssessmentState, FilingState

FILINGS_FILE = _("Filings")
ASSESSMENTS_FILE = _("Money that comes back")

FILING_COLUMNS = [
    Column(_("Award"), "award.number"),
    Column(_("Organisation"), "award.organisation.name_ja"),
    Column(_("Theme"), lambda f: f"{f.award.theme.item.symbol}({f.award.theme.code})"),
    Column(_("Fiscal year"), "fiscal_year", kind="fiscal_year"),
    Column(_("Accounting period from"), "period_start", kind="date"),
    Column(_("Accounting period to"), "period_end", kind="date"),
    Column(_("Consolidated"), "consolidated", kind="bool"),
    Column(_("Sales of the product (yen)"), "product_sales_yen", kind="yen"),
    Column(_("Other sales (yen)"), "other_sales_yen", kind="yen"),
    Column(_("Sales (yen)"), "sales_yen", kind="yen"),
    Column(_("Cost of sales (yen)"), "cost_of_sales_yen", kind="yen"),
    Column(_("SG&A (yen)"), "sga_yen", kind="yen"),
    Column(_("Operating profit (yen)"), "operating_profit_yen", kind="yen"),
    Column(_("Contribution ratio"), "contribution_ratio"),
    Column(_("Spending after the work (yen)"), "spending_after_yen", kind="yen"),
    Column(_("Self-funded burden (yen)"), "self_burden_yen", kind="yen"),
    Column(_("State"), lambda f: dict(FilingState.choices).get(f.state)),
    Column(_("Submitted"), "submitted_at", kind="date"),
    Column(_("Checked"), "checked_at", kind="date"),
]

ASSESSMENT_COLUMNS = [
    Column(_("Notice"), "number"),
    Column(_("Award"), "award.number"),
    Column(_("Organisation"), "award.organisation.name_ja"),
    Column(_("Kind"), lambda a: dict(AssessmentKind.choices).get(a.kind)),
    Column(_("Fiscal year"), "fiscal_year", kind="fiscal_year"),
    Column(_("Due in all (yen)"), "due_yen", kind="yen"),
    Column(_("Charged in earlier years (yen)"), "earlier_yen", kind="yen"),
    Column(_("Amount of this notice (yen)"), "amount_yen", kind="yen"),
    Column(_("State"), lambda a: dict(AssessmentState.choices).get(a.state)),
    Column(_("Decided"), "decided_at", kind="date"),
    Column(_("Pay by"), "pay_by", kind="date"),
    Column(_("Paid on"), "paid_on", kind="date"),
    Column(_("Paid (yen)"), "paid_yen", kind="yen"),
]
