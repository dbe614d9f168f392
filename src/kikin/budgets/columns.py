"""Export columns of the budget lines (Excel / CSV): exact yen beside the amount as the seed writes it."""

from django.utils.translation import gettext_lazy as _

from kikin.exports.tabular import Column

BUDGETS_FILE = _("Budget frames")

BUDGET_COLUMNS = [
    Column(_("Ministry"), "ministry"),
    Column(_("Program"), "program_ja"),
    Column(_("Program (English)"), "program_en"),
    Column(_("Part of"), "part_of"),
    Column(_("Fiscal year"), "fiscal_year", kind="fiscal_year"),
    Column(_("Budget"), "budget_ja"),
    Column(_("Kind"), "kind_ja"),
    Column(_("Amount (yen)"), "amount_yen", kind="yen"),
    Column(_("Amount as written"), "amount_as_written"),
    Column(_("Of which GX (yen)"), "gx_share_yen", kind="yen"),
    Column(_("Prior year (yen)"), "prior_year_yen", kind="yen"),
    Column(_("Fund total so far (yen)"), "fund_cumulative_yen", kind="yen"),
    Column(_("Source"), "source"),
    Column(_("Seed line"), "seed_line", kind="int"),
    Column(_("Note"), "note_ja"),
]
