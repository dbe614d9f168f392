"""How money and dates are shown: the way Japanese readers expect, with the exact figure at hand.

`{{ amount|yen }}` shows 75億円 (English: ¥7.5 billion) with the exact yen in the title
attribute, so a hover gives 7,500,000,000円. `{{ fy|fiscal_year }}` shows 令和7年度 / FY2025.
"""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from kikin.rules import fiscal
from kikin.rules.money import HYAKUMAN, OKU

register = template.Library()


def _trim(d: Decimal) -> str:
    text = f"{d:,.4f}".rstrip("0").rstrip(".")
    return text


def yen_label(amount: int | None, lang: str | None = None) -> str:
    """75億円, 9.9億円, 350百万円 → in English ¥7.5bn, ¥990m, ¥350m. Exact: never rounds a yen away
    without saying so (four decimals of 億 = 10,000 yen; the exact figure stays in the title)."""
    if amount is None:
        return "—"
    lang = lang or get_language() or "ja"
    amount = int(amount)
    sign = "−" if amount < 0 else ""
    a = abs(amount)
    if lang.startswith("ja"):
        if a >= OKU:
            return f"{sign}{_trim(Decimal(a) / OKU)}億円"
        if a >= HYAKUMAN:
            return f"{sign}{_trim(Decimal(a) / HYAKUMAN)}百万円"
        return f"{sign}{a:,}円"
    if a >= 10**9:
        return f"{sign}¥{_trim(Decimal(a) / 10**9)}bn"
    if a >= 10**6:
        return f"{sign}¥{_trim(Decimal(a) / 10**6)}m"
    return f"{sign}¥{a:,}"


@register.filter
def yen(amount):
    if amount is None or amount == "":
        return "—"
    return format_html(
        '<span class="yen" title="{}円">{}</span>', f"{int(amount):,}", yen_label(amount)
    )


@register.filter
def yen_exact(amount):
    if amount is None or amount == "":
        return "—"
    return f"{int(amount):,}円"


@register.filter
def fiscal_year(fy):
    if fy in (None, ""):
        return "—"
    if (get_language() or "ja").startswith("ja"):
        return fiscal.fiscal_year_label_ja(int(fy))
    return fiscal.fiscal_year_label_en(int(fy))


@register.filter
def months_as_years(months):
    """60 → 5年 / 5 years; 18 → 1.5年 / 1.5 years; 6 → 6か月 / 6 months."""
    if months in (None, ""):
        return "—"
    months = int(months)
    ja = (get_language() or "ja").startswith("ja")
    if months % 6 == 0 and months >= 12:
        years = _trim(Decimal(months) / 12)
        return f"{years}年" if ja else f"{years} years"
    return f"{months}か月" if ja else f"{months} months"


@register.simple_tag(takes_context=True)
def bi(context, ja, en):
    """Pick the Japanese or English text of a bilingual field pair."""
    return ja if (get_language() or "ja").startswith("ja") or not en else en


@register.filter
def pick(obj, field):
    """`{{ theme|pick:"title" }}` → theme.title_ja or theme.title_en by the active language."""
    lang = "ja" if (get_language() or "ja").startswith("ja") else "en"
    value = getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_ja", "")
    return value


@register.filter
def fiscal_year_both(fy):
    """令和7年度 (FY2025) in Japanese, FY2025 (令和7年度) in English: both calendars side by side."""
    if fy in (None, ""):
        return "—"
    ja, en = fiscal.fiscal_year_label_ja(int(fy)), fiscal.fiscal_year_label_en(int(fy))
    return f"{ja} ({en})" if (get_language() or "ja").startswith("ja") else f"{en} ({ja})"


@register.filter
def wareki(day):
    """令和9年6月1日 (Japanese) or 2027-06-01 (English)."""
    if not day:
        return "—"
    if (get_language() or "ja").startswith("ja"):
        return fiscal.wareki_date_ja(day)
    return day.isoformat()


@register.filter
def wareki_ja(day):
    """令和9年6月1日 whatever the language: for Japanese documents such as notices."""
    return fiscal.wareki_date_ja(day) if day else "—"


@register.filter
def fiscal_year_ja(fy):
    """令和7年度 whatever the language: for Japanese documents such as notices."""
    return fiscal.fiscal_year_label_ja(int(fy)) if fy not in (None, "") else "—"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced: `?{% query_with page=3 %}` keeps
    the filters a list was opened with."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def yen_exact_fraction(value):
    """An exact yen figure that may be a fraction ("2000000001/2"): 1,000,000,000.5円; a fraction
    with no finite decimal stays a fraction beside its rounded value."""
    from fractions import Fraction

    if value in (None, ""):
        return "—"
    q = Fraction(str(value))
    if q.denominator == 1:
        return f"{q.numerator:,}円"
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        text = f"{Decimal(q.numerator) / Decimal(q.denominator):,f}"
        return f"{text}円"
    return f"≈{float(q):,.2f}円 ({q.numerator}/{q.denominator})"


CIRCLED = "①②③④⑤⑥⑦⑧⑨"


@register.filter
def item_symbol(number) -> str:
    """An R&D item's number as its circled symbol: 3 → ③."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return ""
    return CIRCLED[number - 1] if 1 <= number <= len(CIRCLED) else str(number)


@register.filter
def field_label(key: str) -> str:
    """An error's field key as its label in the reader's language (kikin.core.feedback)."""
    from kikin.core.feedback import field_label as label

    return label(str(key))
