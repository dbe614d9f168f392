"""Reads of awards: the implementer's themes, the program officer's portfolio, one theme's ledger,
and the money reads the writes check against (what is left of a year's budget, a year's rate, the
money received for the refund). Each list costs a constant number of queries, however many awards
or claim lines there are."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kikin.accounts.permissions import is_applicant, is_staff_member
from kikin.calls.models import Call
from kikin.calls.validation import call_date
from kikin.core.listing import (
    Filter,
    ListSpec,
    Sort,
    choice_order,
    fiscal_year_choices,
    picked,
)
from kikin.core.timeutil import today_jst
from kikin.programs.selectors import terms_in_force, themes_with_mode
from kikin.rules import fiscal
from kikin.rules.money import fund_share
from kikin.rules.plan import ThemeSpec, as_item
from kikin.rules.subsidy import subsidy_terms

from .models import (
    Award,
    AwardState,
    BudgetEntry,
    BudgetKind,
    ClaimLine,
    ClaimState,
    CostCategory,
    CostClaim,
    Payment,
    ProgressReport,
    StageGateReview,
)


def _sum(model, field: str, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(award=OuterRef("pk"), **filters)
            .order_by()
            .values("award")
            .annotate(s=Sum(field))
            .values("s")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def awards_for_user(user) -> QuerySet[Award]:
    """The awards `user` may see: the staff every one, an applicant their organisation's."""
    qs = Award.objects.select_related("theme__item", "organisation", "call")
    if is_staff_member(user):
        return qs
    if is_applicant(user) and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def awards_with_mode_for(user, mode: str) -> QuerySet[Award]:
    """The awards of themes with the form of support `mode` (a plan's theme mode, e.g.
    "compute_support") that `user` may see."""
    return awards_for_user(user).filter(theme__in=themes_with_mode(mode))


def visible_award_or_404(user, pk) -> Award:
    """An award the user may see (its implementer, or the staff), else 404: the same answer
    whether the award exists or not."""
    award = awards_for_user(user).filter(pk=pk).first()
    if award is None:
        raise Http404
    return award


def with_portfolio_figures(qs: QuerySet[Award], today: dt.date) -> QuerySet[Award]:
    """Budget, paid, claims awaiting the check, overdue reports and the next gate, as subqueries."""
    return qs.annotate(
        budget_yen=_sum(BudgetEntry, "amount_yen"),
        paid_yen=_sum(Payment, "amount_yen"),
        claims_waiting=Coalesce(
            Subquery(
                CostClaim.objects.filter(award=OuterRef("pk"), state=ClaimState.SUBMITTED)
                .order_by()
                .values("award")
                .annotate(n=Count("id"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        reports_overdue=Coalesce(
            Subquery(
                ProgressReport.objects.filter(
                    award=OuterRef("pk"), submitted_at__isnull=True, due_date__lt=today
                )
                .order_by()
                .values("award")
                .annotate(n=Count("id"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        next_report=Subquery(
            ProgressReport.objects.filter(award=OuterRef("pk"), submitted_at__isnull=True)
            .order_by("due_date")
            .values("due_date")[:1]
        ),
        next_gate=Subquery(
            StageGateReview.objects.filter(award=OuterRef("pk"), held_on__isnull=True)
            .order_by("scheduled_for")
            .values("scheduled_for")[:1]
        ),
    )


def ledger(award: Award) -> dict:
    """One theme's money: budget by fiscal year and kind, claims with their lines, payments."""
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in award.budget_entries.all():
        by_year[entry.fiscal_year][entry.kind] += entry.amount_yen
    claims = list(
        award.claims.prefetch_related("lines")
        .select_related("payment")
        .order_by("fiscal_year", "id")
    )
    # Labels looked up once per page: get_FOO_display re-evaluates the lazy choices on every call,
    # which a ledger of hundreds of lines feels.
    categories = {k: str(v) for k, v in CostCategory.choices}
    states = {k: str(v) for k, v in ClaimState.choices}
    kinds = {k: str(v) for k, v in BudgetKind.choices}
    paid: dict[int, int] = defaultdict(int)
    for c in claims:
        c.state_label, c.budget_kind_label = states[c.state], kinds[c.budget_kind]
        for line in c.lines.all():
            line.category_label = categories[line.category]
        if hasattr(c, "payment"):
            paid[c.fiscal_year] += c.payment.amount_yen
    years = sorted(set(by_year) | set(paid))
    rows = [
        {
            "fiscal_year": fy,
            "base": by_year[fy][BudgetKind.BASE] + by_year[fy][BudgetKind.REDUCTION],
            "acceleration": by_year[fy][BudgetKind.ACCELERATION],
            "continuation": by_year[fy][BudgetKind.CONTINUATION],
            "paid": paid[fy],
        }
        for fy in years
    ]
    return {
        "years": rows,
        "claims": claims,
        "total_budget": sum(r["base"] + r["acceleration"] + r["continuation"] for r in rows),
        "total_paid": sum(paid.values()),
    }


def ministry_summary(today: dt.date) -> dict:
    """Counts and money by item, and the gates coming in the next 90 days.

    Payments and budget entries are summed per award before the join to themes and items, in
    one statement (raw SQL: the ORM would join every payment row to its item first)."""
    from django.db import connection

    from kikin.programs.models import ResearchItem, Theme

    sql = f"""
        SELECT i.number, i.symbol, COUNT(*),
               SUM(CASE WHEN a.state = %s THEN 1 ELSE 0 END), SUM(CASE WHEN a.state = %s THEN 1 ELSE 0 END),
               COALESCE(SUM(p.s), 0), COALESCE(SUM(b.s), 0)
        FROM {Award._meta.db_table} a
        JOIN {Theme._meta.db_table} t ON t.id = a.theme_id
        JOIN {ResearchItem._meta.db_table} i ON i.id = t.item_id
        LEFT JOIN (SELECT award_id, SUM(amount_yen) s FROM {Payment._meta.db_table} GROUP BY award_id) p ON p.award_id = a.id
        LEFT JOIN (SELECT award_id, SUM(amount_yen) s FROM {BudgetEntry._meta.db_table} GROUP BY award_id) b ON b.award_id = a.id
        GROUP BY i.number, i.symbol ORDER BY i.number"""
    with connection.cursor() as cursor:
        cursor.execute(sql, ["active", "terminated"])
        rows = [
            {
                "theme__item__number": n,
                "theme__item__symbol": sym,
                "n": int(count),
                "active": int(active),
                "terminated": int(terminated),
                "paid": int(paid),
                "budget": int(budget),
            }
            for n, sym, count, active, terminated, paid, budget in cursor.fetchall()
        ]
    gates = (
        StageGateReview.objects.filter(
            held_on__isnull=True, scheduled_for__range=(today, today + dt.timedelta(days=90))
        )
        .select_related("award__theme__item", "award__organisation")
        .order_by("scheduled_for")[:100]
    )
    return {"items": rows, "gates": gates}


def area_progress(item, today: dt.date) -> list[Award]:
    """The awards of an area's themes (or adopted into it), with the portfolio's figures: what its
    program director follows (one query)."""
    from django.db.models import Q

    qs = Award.objects.filter(
        Q(theme__item=item, adopted_as_item__isnull=True)
        | Q(theme__program=item.program, adopted_as_item=item.number)
    ).select_related("organisation", "theme", "proposal")
    return list(with_portfolio_figures(qs, today).order_by("number"))


def award_spec(award: Award) -> ThemeSpec:
    """The rules engine's view (`ThemeSpec`) of the award's theme, as the terms in force on its
    call's date set it, and as the item it was adopted as or moved into (if another)."""
    spec = terms_in_force(award.theme, call_date(award.proposal)).terms.as_spec()
    if award.adopted_as_item and award.adopted_as_item != award.theme.item.number:
        spec = as_item(spec, award.theme.program.items.get(number=award.adopted_as_item))
    return spec


def rate_for_year(award: Award, fiscal_year: int, budget_kind: str | None = None) -> Fraction:
    """The rate of the award's costs of one fiscal year. Continuation money is paid at the rate
    the continuation was approved with (000 lines 4418–4420). Most themes keep one rate; a theme
    whose plan gives rates by project year ((g6): year 1 a contract, years 2–4 a grant at 2/3,
    year 5 at 1/2, 000 lines 2487–2501) pays at its year's rate, counted in fiscal years from the
    start (the start's fiscal year is year 1); work of a scope the plan pays as a contract in
    every year ((g6)'s testbed, lines 2497–2501) stays a contract."""
    if budget_kind == BudgetKind.CONTINUATION:
        continuation = getattr(award, "continuation", None)
        if continuation is not None:
            return continuation.rate_fraction
    spec = award_spec(award)
    if not spec.rates_by_project_year:
        return award.rate_fraction
    years = len(spec.rates_by_project_year)
    project_year = min(max(fiscal_year - fiscal.fiscal_year(award.start_date) + 1, 1), years)
    option = award.proposal.cap_option or None
    return subsidy_terms(spec, project_year=project_year, option=option).rate


def budget_left(
    award: Award, fiscal_year: int, kind: str, *, exclude_claim: CostClaim | None = None
) -> int:
    """What is left of a fiscal year's budget of one kind, in the fund's money (NEDO負担額): the
    entries (reductions count against the proposal-time budget) less what approved claims were
    paid and the fund's share of claims awaiting the check (cost × rate, plus fixed-amount lines:
    for a grant the budget is the subsidy, not the cost)."""
    kinds = [kind, BudgetKind.REDUCTION] if kind == BudgetKind.BASE else [kind]
    budget = (
        BudgetEntry.objects.filter(award=award, fiscal_year=fiscal_year, kind__in=kinds).aggregate(
            s=Sum("amount_yen")
        )["s"]
        or 0
    )
    claims = CostClaim.objects.filter(award=award, fiscal_year=fiscal_year, budget_kind=kind)
    if exclude_claim is not None and exclude_claim.pk:
        claims = claims.exclude(pk=exclude_claim.pk)
    paid = (
        Payment.objects.filter(claim__in=claims.filter(state=ClaimState.APPROVED)).aggregate(
            s=Sum("amount_yen")
        )["s"]
        or 0
    )
    pending: dict[int, list[tuple[int, bool]]] = {}
    for claim_id, amount, fixed in ClaimLine.objects.filter(
        claim__in=claims.filter(state=ClaimState.SUBMITTED)
    ).values_list("claim_id", "amount_yen", "fixed_amount"):
        pending.setdefault(claim_id, []).append((amount, fixed))
    rate = rate_for_year(award, fiscal_year, kind) if pending else award.rate_fraction
    return budget - paid - sum(fund_share(lines, rate) for lines in pending.values())


def received_for_refund(award: Award) -> int:
    """委託費受領額: all money received less acceleration increases and continuation money."""
    return (
        Payment.objects.filter(award=award, budget_kind=BudgetKind.BASE).aggregate(
            s=Sum("amount_yen")
        )["s"]
        or 0
    )


# --- The lists of awards and of claims: search, sort and filters (kikin.core.listing) ------


def _call_choices(qs: QuerySet) -> list[tuple[int, str]]:
    """The calls of the awards in `qs`, latest first (one query)."""
    ja = (get_language() or "ja").startswith("ja")
    calls = Call.objects.filter(pk__in=qs.order_by().values("call_id")).order_by("-closes_at")
    return [(c.pk, c.title_ja if ja or not c.title_en else c.title_en) for c in calls]


def _attention(qs: QuerySet[Award], value: str, request) -> QuerySet[Award]:
    """Awards with an overdue progress report, or a stage gate within 90 days."""
    today = today_jst()
    if value == "overdue":
        reports = ProgressReport.objects.filter(submitted_at__isnull=True, due_date__lt=today)
        return qs.filter(pk__in=reports.values("award"))
    gates = StageGateReview.objects.filter(
        held_on__isnull=True, scheduled_for__lte=today + dt.timedelta(days=90)
    )
    return qs.filter(pk__in=gates.values("award"))


#: The portfolio (staff) and an implementer's own themes (`awards:list`).
AWARD_LIST = ListSpec(
    search=(
        "number",
        "proposal__title",
        "theme__code",
        "theme__title_ja",
        "theme__title_en",
        "organisation__name_ja",
        "organisation__name_en",
    ),
    sorts={
        "number": Sort(_("Award"), "number"),
        "theme": Sort(_("Theme"), "theme__item__number", "theme__code"),
        "organisation": Sort(_("Organisation"), picked("organisation__name")),
        "budget": Sort(_("Budget"), "budget_yen"),
        "paid": Sort(_("Paid"), "paid_yen"),
        "report": Sort(_("Next report"), "next_report"),
        "gate": Sort(_("Next stage gate"), "next_gate"),
    },
    default_sort="number",
    filters=(
        Filter(
            "show",
            _("Attention"),
            (("overdue", _("Overdue reports")), ("gates", _("Gates within 90 days"))),
            _attention,
        ),
        Filter("state", _("State"), AwardState.choices),
        Filter("call", _("Call"), _call_choices),
    ),
)


def claims_for_user(user) -> QuerySet[CostClaim]:
    """The cost claims of the awards `user` may see, with their award, the amount claimed (the
    sum of the lines) and the payment, in one query."""
    return (
        CostClaim.objects.filter(award__in=awards_for_user(user).order_by().values("pk"))
        .select_related("award__theme__item", "award__organisation", "payment")
        .annotate(
            claimed_yen=Coalesce(
                Subquery(
                    ClaimLine.objects.filter(claim=OuterRef("pk"))
                    .order_by()
                    .values("claim")
                    .annotate(s=Sum("amount_yen"))
                    .values("s")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
    )


#: The cost claims (`awards:claims`): those to check for the agency, an implementer's own.
CLAIM_LIST = ListSpec(
    search=(
        "award__number",
        "award__theme__code",
        "award__theme__title_ja",
        "award__theme__title_en",
        "award__organisation__name_ja",
        "award__organisation__name_en",
    ),
    sorts={
        "award": Sort(_("Award"), "award__number"),
        "organisation": Sort(_("Organisation"), picked("award__organisation__name")),
        "year": Sort(_("Fiscal year"), "fiscal_year"),
        "claimed": Sort(_("Claimed"), "claimed_yen"),
        "paid": Sort(_("Paid"), "payment__amount_yen"),
        "state": Sort(_("State"), choice_order(ClaimState)),
        "submitted": Sort(_("Submitted"), "submitted_at"),
    },
    default_sort="-submitted",
    filters=(
        Filter("state", _("State"), ClaimState.choices),
        Filter("year", _("Fiscal year"), fiscal_year_choices(), "fiscal_year"),
        Filter("budget", _("Budget"), BudgetKind.choices, "budget_kind"),
    ),
)
