"""The committee packet for stage-gate reviews (ステージゲート審査 委員会資料): what the committee
reads about each theme it reviews, gathered in a constant number of queries and laid out as one
PDF (`templates/awards/packet.html`).

The themes are the awards whose stage-gate review is scheduled in a date range, or a chosen list
of awards; each is read with its budget ledger, payments, progress reports, yearly evaluations and
gate reviews by prefetching, so 50 themes cost the same handful of queries as one.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from kikin.core.charts import COLOURS
from kikin.core.pdf import render_pdf
from kikin.rules.fiscal import fiscal_year_label_ja
from kikin.rules.money import HYAKUMAN, OKU

from .models import Award, BudgetKind, StageGateReview

KIND_HEADINGS = {
    BudgetKind.BASE: ("提案時", "Base"),
    BudgetKind.ACCELERATION: ("加速", "Acceleration"),
    BudgetKind.REDUCTION: ("減額", "Reduction"),
    BudgetKind.CONTINUATION: ("継続", "Continuation"),
}
#: A packet is laid out while the user waits (about 0.3 s a theme): beyond this, narrow the range.
MAX_THEMES = 100


@dataclass
class ThemePages:
    """One theme of the packet: the award and what the committee reads about it."""

    award: Award
    gate: StageGateReview | None  # the review the packet is for
    earlier_gates: list[StageGateReview]
    kinds: list[tuple[str, str]]  # (Japanese, English) headings of the ledger's budget kinds
    years: list[dict]  # the ledger by fiscal year: amounts by kind, the budget, the payments
    totals: dict
    received_for_refund: int | None  # None: the theme is outside the refund scheme
    chart: str = ""
    reports: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)


def parse_choice(params) -> dict:
    """The packet asked for by a query string: `from` and `to` (ISO dates), or `award` (ids,
    repeated) or `numbers` (award numbers separated by spaces, commas or new lines).
    Raises ValidationError naming the field."""
    ids = params.getlist("award")
    numbers = params.get("numbers", "").replace(",", " ").split()
    if ids or numbers:
        try:
            pks = {int(i) for i in ids}
        except ValueError:
            raise ValidationError({"award": _("Award ids are whole numbers.")}) from None
        found = dict(
            Award.objects.filter(Q(pk__in=pks) | Q(number__in=numbers)).values_list("pk", "number")
        )
        missing = [str(pk) for pk in sorted(pks - found.keys())] + sorted(
            set(numbers) - set(found.values())
        )
        if missing:
            raise ValidationError(
                {"award": _("No such award: %(awards)s.") % {"awards": ", ".join(missing)}}
            )
        return {"award_ids": sorted(found)}
    dates = {}
    for name in ("from", "to"):
        try:
            dates[name] = dt.date.fromisoformat(params.get(name, "").strip())
        except ValueError:
            raise ValidationError({name: _("A date such as 2027-09-01.")}) from None
    if dates["to"] < dates["from"]:
        raise ValidationError({"to": _("The end of the range comes before its start.")})
    return {"start": dates["from"], "end": dates["to"]}


def packet_themes(
    *, start: dt.date | None = None, end: dt.date | None = None, award_ids: list[int] | None = None
) -> list[ThemePages]:
    """The themes of a packet, in the order of their reviews (then award number): the awards
    with a stage-gate review scheduled from `start` to `end` (both included; held or not), or the
    awards `award_ids` with their next review not yet held. At most MAX_THEMES (ValidationError)."""
    if award_ids is None:
        gate_of: dict[int, int] = {}  # award → the number of its first review in the range
        for award_id, number in (
            StageGateReview.objects.filter(scheduled_for__range=(start, end))
            .order_by("scheduled_for", "number")
            .values_list("award_id", "number")
        ):
            gate_of.setdefault(award_id, number)
        award_ids = list(gate_of)
    else:
        gate_of = {}
    if len(award_ids) > MAX_THEMES:
        raise ValidationError(
            _("%(n)s themes: a packet holds at most %(max)s; narrow the range.")
            % {"n": len(award_ids), "max": MAX_THEMES}
        )
    awards = (
        Award.objects.filter(pk__in=award_ids)
        .select_related("theme__item", "organisation", "proposal", "call")
        .prefetch_related(
            "budget_entries", "payments", "progress_reports", "evaluations", "gate_reviews"
        )
    )
    themes = [_theme_pages(a, gate_of.get(a.pk)) for a in awards]
    far = dt.date.max
    themes.sort(key=lambda t: (t.gate.scheduled_for if t.gate else far, t.award.number))
    return themes


def _theme_pages(award: Award, gate_number: int | None) -> ThemePages:
    gates = list(award.gate_reviews.all())
    if gate_number is not None:
        gate = next(g for g in gates if g.number == gate_number)
    else:
        gate = next((g for g in gates if g.held_on is None), None)
    earlier = [g for g in gates if (g.number < gate.number if gate else g.held_on is not None)]

    budget: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in award.budget_entries.all():
        budget[e.fiscal_year][e.kind] += e.amount_yen
    paid: dict[int, int] = defaultdict(int)
    for p in award.payments.all():
        paid[p.fiscal_year] += p.amount_yen
    # The proposal-time budget always; the other kinds where the theme has any.
    kinds = [
        k for k in BudgetKind.values if k == BudgetKind.BASE or any(budget[fy][k] for fy in budget)
    ]
    years = [
        {
            "fiscal_year": fy,
            "kinds": [budget[fy][k] for k in kinds],
            "budget": sum(budget[fy].values()),
            "paid": paid[fy],
        }
        for fy in sorted(set(budget) | set(paid))
    ]
    totals = {
        "kinds": [sum(r["kinds"][i] for r in years) for i in range(len(kinds))],
        "budget": sum(r["budget"] for r in years),
        "paid": sum(paid.values()),
    }
    # 委託費受領額 as awards.services.received_for_refund counts it (money paid on the
    # proposal-time budget, so less acceleration and continuation money), from the payments
    # already read instead of one query per theme; the tests hold the two equal.
    received = (
        sum(p.amount_yen for p in award.payments.all() if p.budget_kind == BudgetKind.BASE)
        if award.system_technology
        else None
    )
    return ThemePages(
        award=award,
        gate=gate,
        earlier_gates=earlier,
        kinds=[KIND_HEADINGS[k] for k in kinds],
        years=years,
        totals=totals,
        received_for_refund=received,
        chart=_chart(years),
        reports=list(award.progress_reports.all()),
        evaluations=list(award.evaluations.all()),
    )


def _chart(years: list[dict]) -> str:
    """Budget against payments by fiscal year, in 億円 (or 百万円 for small themes): a small SVG
    bar chart as a data: URL for an <img>.

    Drawn here rather than by `kikin.core.charts.bar_chart`, whose charts are for screens: on the
    50-theme packet (bench/packet.py) matplotlib took about 0.12 s a chart and WeasyPrint about
    0.06 s to draw its ~165 SVG elements, some 9 s of the 20 s allowed; this one has about 35
    elements, needs no matplotlib and draws in half the time. bar_chart's colours, so the two
    look alike."""
    if not years:
        return ""
    top = max(max(r["budget"], r["paid"]) for r in years)
    unit, unit_label = (OKU, "億円") if top >= OKU else (HYAKUMAN, "百万円")
    step = _nice_step(Decimal(max(top, 1)) / unit)
    ticks = [step * i for i in range(int(Decimal(max(top, 1)) / unit // step) + 2)]
    width, height, left, bottom, top_pad = 440, 150, 44, 24, 22
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    scale = plot_h / float(ticks[-1])

    def y(value_yen) -> float:
        return round(top_pad + plot_h - float(Decimal(value_yen) / unit) * scale, 2)

    font = 'font-family="Noto Sans CJK JP, Noto Sans JP, IPAexGothic, sans-serif"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'{font} font-size="9">',
        f'<text x="4" y="12">{unit_label}</text>',
    ]
    for t in ticks:
        ty = round(top_pad + plot_h - float(t) * scale, 2)
        parts.append(
            f'<line x1="{left}" y1="{ty}" x2="{width - 8}" y2="{ty}" stroke="#ddd" stroke-width="0.6"/>'
            f'<text x="{left - 4}" y="{ty + 3}" text-anchor="end">{t.normalize():f}</text>'
        )
    slot = plot_w / len(years)
    bar = min(slot * 0.36, 28)
    for i, r in enumerate(years):
        x = left + slot * i + slot / 2
        for j, (value, colour) in enumerate(((r["budget"], COLOURS[0]), (r["paid"], COLOURS[1]))):
            if value > 0:
                bx, by = round(x - bar + j * bar, 2), y(value)
                parts.append(
                    f'<rect x="{bx}" y="{by}" width="{round(bar, 2)}" height="{round(top_pad + plot_h - by, 2)}" '
                    f'fill="{colour}"/>'
                )
        parts.append(
            f'<text x="{round(x, 2)}" y="{height - 8}" text-anchor="middle">'
            f"{escape(fiscal_year_label_ja(r['fiscal_year']))}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 8}" y2="{top_pad + plot_h}" stroke="#333" stroke-width="0.8"/>'
    )
    for j, (name, colour) in enumerate((("予算 Budget", COLOURS[0]), ("支払 Paid", COLOURS[1]))):
        lx = width - 150 + j * 74
        parts.append(
            f'<rect x="{lx}" y="4" width="9" height="9" fill="{colour}"/><text x="{lx + 12}" y="12">{name}</text>'
        )
    parts.append("</svg>")
    return "data:image/svg+xml;base64," + base64.b64encode("".join(parts).encode()).decode()


def _nice_step(top: Decimal) -> Decimal:
    """A tick step of 1, 2 or 5 × 10^k giving three to five ticks up to `top`."""
    magnitude = Decimal(10) ** (top.adjusted() - 1)
    for factor in (1, 2, 5, 10, 20, 50):
        step = magnitude * factor
        if top / step <= 5:
            return step
    return magnitude * 100


def render_packet(
    themes: list[ThemePages], *, start: dt.date | None = None, end: dt.date | None = None
) -> bytes:
    """The packet as PDF bytes, in Japanese whatever the reader's language (English beside);
    `start` and `end` name the range on the cover (none: a chosen list of awards)."""
    with translation.override("ja"):
        return render_pdf(
            "awards/packet.html",
            {
                "themes": themes,
                "start": start,
                "end": end,
                "prepared_at": timezone.localtime(),
            },
        )
