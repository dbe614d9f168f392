"""Budget lines the way Japanese readers expect, with English beside (or the reverse in English).

`{{ fy|fy_bi }}` → 令和7年度 FY2025; `{{ amount|yen_bi }}` → 1,617億円 (exact yen on hover) ¥161.7bn;
`{{ frame|budget_bi }}` → 当初（案） Initial (draft); `{{ frame|kind_bi }}` → 基金 Fund.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from kikin.core.templatetags.kikin_format import yen, yen_label
from kikin.rules.fiscal import fiscal_year_label_en, fiscal_year_label_ja

from ..models import MINISTRY_NAMES_JA, Ministry
from ..selectors import BUDGET_LABELS_JA, KIND_LABELS_JA

register = template.Library()

BUDGET_LABELS_EN = {"initial": "Initial", "supplementary": "Supplementary"}
KIND_LABELS_EN = {
    "fund": "Fund",
    "appropriation": "Appropriation",
    "grant": "Operating grant",
    "equity": "Equity",
    "other": "Other / not stated",
}


def _ja() -> bool:
    return (get_language() or "ja").startswith("ja")


def _pair(ja: str, en: str):
    first, second = (ja, en) if _ja() else (en, ja)
    return format_html(
        '{}<span class="alt-lang" lang="{}">{}</span>', first, "en" if _ja() else "ja", second
    )


@register.filter
def fy_bi(fy):
    """令和7年度 FY2025 (in English: FY2025 令和7年度)."""
    if fy in (None, ""):
        return "—"
    return _pair(fiscal_year_label_ja(int(fy)), fiscal_year_label_en(int(fy)))


@register.filter
def yen_bi(amount):
    """1,617億円 with the exact yen in its title, and ¥161.7bn beside it."""
    if amount is None or amount == "":
        return "—"
    other = yen_label(amount, "en" if _ja() else "ja")
    return format_html(
        '{}<span class="alt-lang" lang="{}">{}</span>', yen(amount), "en" if _ja() else "ja", other
    )


@register.filter
def budget_bi(frame):
    """当初 / 補正, with （案） for a draft."""
    ja = BUDGET_LABELS_JA.get(frame.budget, frame.budget) + ("（案）" if frame.draft else "")
    en = BUDGET_LABELS_EN.get(frame.budget, frame.budget) + (" (draft)" if frame.draft else "")
    return _pair(ja, en)


@register.filter
def kind_bi(frame):
    return _pair(
        KIND_LABELS_JA.get(frame.kind, frame.kind), KIND_LABELS_EN.get(frame.kind, frame.kind)
    )


@register.filter
def ministry_bi(code):
    """経済産業省 Ministry of Economy, Trade and Industry (METI)."""
    en = {
        Ministry.METI.value: "Ministry of Economy, Trade and Industry (METI)",
        Ministry.MEXT.value: "Ministry of Education, Culture, Sports, Science and Technology (MEXT)",
    }.get(code, code)
    return _pair(MINISTRY_NAMES_JA.get(code, code), en)
