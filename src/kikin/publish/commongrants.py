"""The fund's calls as CommonGrants opportunities (the `common-grants-sdk` package's models).

A call (公募) is one opportunity: its title and description in the language asked for (Japanese
unless the request prefers English), its status (forecasted before it opens, open, closed after
its deadline), its funding in yen (the call's budget total where the plan states one, and the
largest award one proposal may receive where every theme of the call has such a figure), its key
dates (opening, deadline and the adoption decision's 55-day limit, as dates and clock times in
Japan Standard Time, the offset spelled out: the protocol's times carry none), the agency as its
funder, and custom fields for what the protocol has no place for: the program and call keys,
the theme keys (`1-g3`), each theme's terms, and both titles.

Search follows the protocol's request (`search`, `filters`, `sorting`, `pagination`): the
standard filters (`status`, `closeDateRange`, `totalFundingAvailableRange`,
`minAwardAmountRange`, `maxAwardAmountRange`) and the custom filters `themeKey`, `programCode`
and `callKey` (string `in` / `notIn` / `eq` / `neq`). A filter that cannot apply (an amount in
another currency, an unknown custom filter) is skipped and named in `filterInfo.errors`; a sort
key the protocol does not define is replaced by `lastModifiedAt` and named in
`sortInfo.errors`.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from common_grants_sdk.schemas.pydantic.fields import CustomField, Money, SingleDateEvent
from common_grants_sdk.schemas.pydantic.fields.custom import CustomFieldType
from common_grants_sdk.schemas.pydantic.filters.base import (
    ArrayOperator,
    EquivalenceOperator,
    RangeOperator,
)
from common_grants_sdk.schemas.pydantic.models import (
    OppFunding,
    OpportunityBase,
    OpportunityDetails,
    OppStatus,
    OppStatusOptions,
    OppTimeline,
)
from common_grants_sdk.schemas.pydantic.models.references import OrgRef, OrgRefCollection
from common_grants_sdk.schemas.pydantic.pagination import PaginatedResultsInfo
from common_grants_sdk.schemas.pydantic.requests.opportunity import OpportunitySearchRequest
from common_grants_sdk.schemas.pydantic.sorting import OppSortBy, SortedResultsInfo
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kikin.core.timeutil import JST
from kikin.rules.caps import largest_award_yen

from .selectors import OPPORTUNITY_NAMESPACE, PublishedCall

CURRENCY = "JPY"
MAX_PAGE_SIZE = 100
CUSTOM_FILTERS = ("themeKey", "programCode", "callKey")
CUSTOM_SORTS = ("opensAt", "callKey")


def _english() -> bool:
    return not (get_language() or "ja").startswith("ja")


def _pick(obj, name: str) -> str:
    ja = getattr(obj, f"{name}_ja", "") or ""
    en = getattr(obj, f"{name}_en", "") or ""
    return (en or ja) if _english() else (ja or en)


def _money(yen: int | None) -> Money | None:
    return None if yen is None else Money(amount=str(int(yen)), currency=CURRENCY)


def status_of(call, now: dt.datetime) -> OppStatusOptions:
    if now < call.opens_at:
        return OppStatusOptions.FORECASTED
    if now <= call.closes_at:
        return OppStatusOptions.OPEN
    return OppStatusOptions.CLOSED


_STATUS_TEXT = {
    OppStatusOptions.FORECASTED: ("公募開始前", "Not yet open"),
    OppStatusOptions.OPEN: ("公募中", "Open for proposals"),
    OppStatusOptions.CLOSED: ("公募終了", "Closed"),
}


def _jst_event(name: str, at: dt.datetime) -> SingleDateEvent:
    local = timezone.localtime(at, JST)
    return SingleDateEvent(
        name=name,
        date=local.date(),
        time=local.time().replace(microsecond=0, tzinfo=None),
        description=f"{local.replace(microsecond=0).isoformat()} (JST, UTC+09:00)",
    )


def theme_largest_award(call, terms) -> int | None:
    return None if terms is None else largest_award_yen(terms.as_spec().cap, call.key)


def _funding(pc: PublishedCall) -> OppFunding:
    call = pc.call
    largest = [theme_largest_award(call, t.terms) for t in pc.themes]
    known = bool(largest) and all(v is not None for v in largest)
    if _english():
        details = "Amounts in Japanese yen. " + (
            "The largest award is the highest per-proposal cap among the call's themes."
            if known
            else "At least one theme has no per-proposal cap in the plan (a total per call, "
            "a pool shared between themes, or a cap up to the first stage gate only)."
        )
    else:
        details = "金額は円。" + (
            "一件あたりの上限は、公募対象テーマの提案あたり上限のうち最大のもの。"
            if known
            else "提案あたりの上限が計画にないテーマを含む(公募ごとの総額、テーマ間で共有する"
            "総額、または最初のステージゲートまでの上限のみ)。"
        )
    return OppFunding(
        total_amount_available=_money(call.budget_total_yen),
        max_award_amount=_money(max(largest)) if known else None,
        details=details,
    )


def _custom_fields(pc: PublishedCall) -> dict[str, CustomField]:
    call = pc.call
    opens = timezone.localtime(call.opens_at, JST).replace(microsecond=0)
    closes = timezone.localtime(call.closes_at, JST).replace(microsecond=0)

    def field(name, kind, value, description):
        return CustomField(name=name, field_type=kind, value=value, description=description)

    themes = []
    for t in pc.themes:
        terms = t.terms
        themes.append(
            {
                "key": t.theme.key,
                "titleJa": t.theme.title_ja,
                "titleEn": t.theme.title_en,
                "support": terms.support if terms else None,
                "rates": list(terms.rates) if terms else [],
                "capKind": terms.cap_kind if terms else None,
                "maxAwardYen": theme_largest_award(call, terms),
                "periodMonths": terms.period_months if terms else None,
            }
        )
    return {
        "programCode": field(
            "programCode", CustomFieldType.STRING, call.program.code, "kikin program code"
        ),
        "callKey": field("callKey", CustomFieldType.STRING, call.key, "kikin call key"),
        "themeKeys": field(
            "themeKeys",
            CustomFieldType.ARRAY,
            [t.theme.key for t in pc.themes],
            "Theme keys (item number and theme code, e.g. 1-g3)",
        ),
        "themes": field(
            "themes",
            CustomFieldType.ARRAY,
            themes,
            "Each theme's terms on the call's opening day; amounts in yen",
        ),
        "titleJa": field("titleJa", CustomFieldType.STRING, call.title_ja, "Title in Japanese"),
        "titleEn": field(
            "titleEn", CustomFieldType.STRING, call.title_en or "", "Title in English"
        ),
        "opensAt": field(
            "opensAt", CustomFieldType.STRING, opens.isoformat(), "Opening, ISO 8601 in JST"
        ),
        "closesAt": field(
            "closesAt", CustomFieldType.STRING, closes.isoformat(), "Deadline, ISO 8601 in JST"
        ),
    }


def _funders() -> OrgRefCollection:
    ja, en = settings.KIKIN_AGENCY_NAME
    return OrgRefCollection(
        primary=OrgRef(
            id=uuid.uuid5(OPPORTUNITY_NAMESPACE, f"agency/{ja}"), name=en if _english() else ja
        )
    )


def _description(pc: PublishedCall) -> str:
    call = pc.call
    lines = [_pick(call.program, "title")]
    note = _pick(call, "note")
    if note:
        lines.append(note)
    label = "Themes" if _english() else "対象テーマ"
    lines.append(
        f"{label}: " + ", ".join(f"{t.theme.key} {_pick(t.theme, 'title')}" for t in pc.themes)
    )
    return "\n".join(lines)


def to_opportunity(pc: PublishedCall, *, now: dt.datetime, request=None) -> OpportunityBase:
    """One call as a CommonGrants opportunity (validated by the SDK's model as it is built)."""
    call = pc.call
    status = status_of(call, now)
    ja, en = _STATUS_TEXT[status]
    source = None
    if request is not None:
        source = request.build_absolute_uri(reverse("calls:detail", args=[call.pk]))
    due = dt.datetime.combine(call.adoption_due_date, dt.time(23, 59, 59), tzinfo=JST)
    return OpportunityBase(
        id=pc.id,
        title=_pick(call, "title"),
        status=OppStatus(value=status, description=en if _english() else ja),
        description=_description(pc),
        funding=_funding(pc),
        funders=_funders(),
        key_dates=OppTimeline(
            post_date=_jst_event(_("Call opens"), call.opens_at),
            close_date=_jst_event(_("Deadline for proposals"), call.closes_at),
            other_dates={"adoptionDecisionDue": _jst_event(_("Adoption decision due"), due)},
        ),
        source=source,
        custom_fields=_custom_fields(pc),
        created_at=pc.created_at,
        last_modified_at=pc.modified_at,
    )


def to_details(opportunity: OpportunityBase) -> OpportunityDetails:
    return OpportunityDetails.model_validate(opportunity)


# ---------------------------------------------------------------------------------------------
# Search: filters, sorting, pagination


def _amount(money: Money | None) -> int | None:
    return None if money is None else int(money.amount.split(".")[0])


def _in_range(value, low, high, operator) -> bool:
    if value is None:
        return False
    inside = (low is None or value >= low) and (high is None or value <= high)
    return inside if operator == RangeOperator.BETWEEN else not inside


def _string_filter(values: list[str], flt: dict) -> bool:
    op, value = flt.get("operator"), flt.get("value")
    if op in (ArrayOperator.IN, ArrayOperator.NOT_IN):
        hit = any(v in value for v in values)
        return hit if op == ArrayOperator.IN else not hit
    hit = value in values
    return hit if op == EquivalenceOperator.EQUAL else not hit


def _custom_filter_ok(flt) -> bool:
    op, value = flt.operator, flt.value
    if op in (ArrayOperator.IN, ArrayOperator.NOT_IN):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if op in (EquivalenceOperator.EQUAL, EquivalenceOperator.NOT_EQUAL):
        return isinstance(value, str)
    return False


def apply_filters(
    items: list[OpportunityBase], request: OpportunitySearchRequest
) -> tuple[list[OpportunityBase], list[str]]:
    """The opportunities that pass every filter and the search text, with non-fatal errors."""
    errors: list[str] = []
    f = request.filters
    out = list(items)
    if request.search and request.search.strip():
        words = request.search.casefold().split()

        def text(o):
            cf = o.custom_fields or {}
            extra = " ".join(
                str(cf[k].value) for k in ("titleJa", "titleEn", "themeKeys", "callKey") if k in cf
            )
            return f"{o.title} {o.description} {extra}".casefold()

        out = [o for o in out if all(w in text(o) for w in words)]
    if f is None:
        return out, errors
    if f.status is not None:
        wanted = set(f.status.value)
        keep = f.status.operator == ArrayOperator.IN
        out = [o for o in out if (o.status.value.value in wanted) == keep]
    if f.close_date_range is not None:
        rng = f.close_date_range
        out = [
            o
            for o in out
            if _in_range(o.key_dates.close_date.date, rng.value.min, rng.value.max, rng.operator)
        ]
    money_filters = (
        ("totalFundingAvailableRange", f.total_funding_available_range, "total_amount_available"),
        ("minAwardAmountRange", f.min_award_amount_range, "min_award_amount"),
        ("maxAwardAmountRange", f.max_award_amount_range, "max_award_amount"),
    )
    for name, flt, attr in money_filters:
        if flt is None:
            continue
        low, high = flt.value.min, flt.value.max
        if low.currency.upper() != CURRENCY or high.currency.upper() != CURRENCY:
            errors.append(f"{name}: amounts are in {CURRENCY}; the filter was not applied")
            continue
        lo, hi = int(float(low.amount)), int(float(high.amount))
        out = [
            o
            for o in out
            if _in_range(_amount(getattr(o.funding, attr, None)), lo, hi, flt.operator)
        ]
    for name, flt in (f.custom_filters or {}).items():
        if name not in CUSTOM_FILTERS:
            errors.append(
                f"customFilters.{name}: unknown filter (known: {', '.join(CUSTOM_FILTERS)})"
            )
            continue
        if not _custom_filter_ok(flt):
            errors.append(f"customFilters.{name}: use in/notIn with a list or eq/neq with a text")
            continue
        spec = {"operator": flt.operator, "value": flt.value}
        field = {"themeKey": "themeKeys"}.get(name, name)

        def values(o, field=field):
            v = o.custom_fields[field].value
            return v if isinstance(v, list) else [v]

        out = [o for o in out if _string_filter(values(o), spec)]
    return out, errors


def _sort_key(sort_by: OppSortBy, custom: str | None):
    def money(attr):
        return lambda o: _amount(getattr(o.funding, attr, None) if o.funding else None)

    keys = {
        OppSortBy.LAST_MODIFIED_AT: lambda o: o.last_modified_at,
        OppSortBy.CREATED_AT: lambda o: o.created_at,
        OppSortBy.TITLE: lambda o: o.title,
        OppSortBy.STATUS: lambda o: o.status.value,
        OppSortBy.CLOSE_DATE: lambda o: (o.key_dates.close_date.date, o.key_dates.close_date.time),
        OppSortBy.MAX_AWARD_AMOUNT: money("max_award_amount"),
        OppSortBy.MIN_AWARD_AMOUNT: money("min_award_amount"),
        OppSortBy.TOTAL_FUNDING_AVAILABLE: money("total_amount_available"),
        OppSortBy.ESTIMATED_AWARD_COUNT: lambda o: (
            o.funding.estimated_award_count if o.funding else None
        ),
    }
    if sort_by == OppSortBy.CUSTOM:
        return lambda o: o.custom_fields[custom].value
    return keys[sort_by]


def sort(
    items: list[OpportunityBase], request: OpportunitySearchRequest
) -> tuple[list[OpportunityBase], SortedResultsInfo]:
    """Sorted as asked; missing values last whatever the order; ties by id (stable pages)."""
    sorting = request.sorting
    errors: list[str] = []
    sort_by, custom = sorting.sort_by, sorting.custom_sort_by
    order = (sorting.sort_order or "desc").lower()
    if order not in ("asc", "desc"):
        errors.append(f"sortOrder {sorting.sort_order!r}: use asc or desc; desc was used")
        order = "desc"
    if sort_by == OppSortBy.CUSTOM and custom not in CUSTOM_SORTS:
        errors.append(
            f"customSortBy {custom!r}: unknown (known: {', '.join(CUSTOM_SORTS)}); "
            "lastModifiedAt was used"
        )
        sort_by, custom = OppSortBy.LAST_MODIFIED_AT, None
    key = _sort_key(sort_by, custom)
    by_id = sorted(items, key=lambda o: str(o.id))
    present = [o for o in by_id if key(o) is not None]
    missing = [o for o in by_id if key(o) is None]
    present.sort(key=key, reverse=order == "desc")
    info = SortedResultsInfo(
        sort_by=sort_by.value, custom_sort_by=custom, sort_order=order, errors=errors
    )
    return present + missing, info


def paginate(items: list, page: int, page_size: int) -> tuple[list, PaginatedResultsInfo]:
    page_size = min(page_size, MAX_PAGE_SIZE)
    total = len(items)
    start = (page - 1) * page_size
    return items[start : start + page_size], PaginatedResultsInfo(
        page=page,
        page_size=page_size,
        total_items=total,
        total_pages=math.ceil(total / page_size) if total else 0,
    )
