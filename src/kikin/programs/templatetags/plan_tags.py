"""Showing a theme's terms: cap, form of support, period and stage-gate timing."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kikin.core.templatetags.kikin_format import months_as_years, yen

register = template.Library()


def _ja() -> bool:
    return (get_language() or "ja").startswith("ja")


@register.simple_tag
def cap_summary(terms):
    if terms is None:
        return "—"
    cap = terms.cap
    kind = cap.label_kind
    by_call = format_html_join("; ", "{}: {}", ((k, yen(v)) for k, v in cap.by_call.items()))
    by_fy = format_html_join(
        "; ",
        "{}: {}",
        ((_("FY%(fy)s calls") % {"fy": k}, yen(v)) for k, v in cap.by_call_fy.items()),
    )
    if kind == "fixed":
        out = yen(cap.base_yen) if cap.base_yen is not None else ""
        extra = by_call or by_fy
        if extra:
            out = format_html('{} <span class="muted">({})</span>', out, extra)
        return out
    if kind == "variable":
        return format_html("{} × {}", yen(cap.base_yen), _("variable rate"))
    if kind == "first_gate":
        return format_html(
            '{} <span class="muted">{}</span>', yen(cap.base_yen), _("to the first stage gate")
        )
    if kind == "tranches":
        steps = mark_safe(" → ".join(str(yen(v)) for v in (cap.base_yen, *cap.tranches_yen)))
        return format_html('{} <span class="muted">{}</span>', steps, _("in total, by stage gate"))
    if kind == "call_total":
        rows = format_html_join(
            mark_safe("<br>"), "{}: {}", ((k, yen(v)) for k, v in cap.by_call.items())
        )
        return format_html(
            '{}<br><span class="muted">{}</span>', rows, _("total for all adoptions of the call")
        )
    if kind == "options":
        rows = format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            (((o.label_ja if _ja() else o.label_en) or o.key, yen(o.cap_yen)) for o in cap.options),
        )
        if cap.scope == "first_gate":
            return format_html(
                '{}<br><span class="muted">{}</span>', rows, _("to the first stage gate")
            )
        return rows
    return "—"


@register.simple_tag
def pools_summary(program, terms):
    """The caps the theme shares with other themes (000 lines 4916–4920, 5159)."""
    if terms is None:
        return ""
    rules = program.plan_rules()
    spec = terms.as_spec()
    rows = [
        format_html(
            '{} <span class="muted">{}</span>',
            yen(pool.cap_yen),
            (pool.title_ja if _ja() else pool.title_en) or pool.key,
        )
        for pool in rules.pools_of(spec)
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((r,) for r in rows))


@register.simple_tag
def support_summary(terms):
    if terms is None:
        return "—"
    names = {"contract": _("Contract"), "grant": _("Grant"), "mixed": _("Contract and grant")}
    text = names.get(terms.support, terms.support)
    rates = list(terms.rates)
    if terms.rates_by_call:
        seen = []
        for by_cat in terms.rates_by_call.values():
            for r in by_cat.values():
                label = "定額" if r in {"1", "定額"} else r
                if label not in seen:
                    seen.append(label)
        return format_html(
            '{} <span class="rate">{}</span> <span class="muted">{}</span>',
            text,
            " / ".join(seen),
            _("by call and applicant"),
        )
    if terms.rates_by_project_year:
        years = (
            " → ".join("委託" if r == "1" else r for r in terms.rates_by_project_year)
            if _ja()
            else " → ".join("contract" if r == "1" else r for r in terms.rates_by_project_year)
        )
        return format_html(
            '{} <span class="rate">{}</span> <span class="muted">{}</span>',
            text,
            years,
            _("by project year"),
        )
    if rates:
        return format_html('{} <span class="rate">{}</span>', text, " / ".join(rates))
    return text


@register.simple_tag
def gate_summary(terms):
    if terms is None or terms.stage_gate_months is None:
        return _("none")
    if terms.stage_gate_earliest_months:
        if _ja():
            return f"{months_as_years(terms.stage_gate_earliest_months).rstrip('年')}–{months_as_years(terms.stage_gate_months)}後"
        return f"{terms.stage_gate_earliest_months}–{terms.stage_gate_months} months"
    text = months_as_years(terms.stage_gate_months)
    text = f"{text}後" if _ja() else f"after {text}"
    if terms.as_spec().gates > 1:
        text += f" ({_('%(n)s gates') % {'n': terms.as_spec().gates}})"
    return text


@register.simple_tag
def period_summary(terms):
    if terms is None:
        return "—"
    text = months_as_years(terms.period_months)
    if terms.period_months_by_call:
        extra = "; ".join(
            f"{k}: {months_as_years(v)}" for k, v in terms.period_months_by_call.items()
        )
        return format_html('{} <span class="muted">({})</span>', text, extra)
    return text
