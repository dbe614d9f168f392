import pytest
from django.utils import translation

from kikin.core.templatetags.kikin_format import fiscal_year, months_as_years, yen, yen_label


@pytest.mark.parametrize(
    ("amount", "ja", "en"),
    [
        (7_500_000_000, "75億円", "¥7.5bn"),
        (990_000_000, "9.9億円", "¥990m"),
        (866_500_000_000, "8,665億円", "¥866.5bn"),
        (350_000_000, "3.5億円", "¥350m"),
        (12_345_678, "12.3457百万円", "¥12.3457m"),
        (999, "999円", "¥999"),
        (-5_000_000, "−5百万円", "−¥5m"),
    ],
)
def test_yen_labels(amount, ja, en):
    assert yen_label(amount, "ja") == ja
    assert yen_label(amount, "en") == en


def test_yen_filter_keeps_the_exact_amount_on_hover():
    with translation.override("ja"):
        html = str(yen(7_500_000_001))
    assert 'title="7,500,000,001円"' in html


def test_fiscal_year_and_months_follow_the_language():
    with translation.override("ja"):
        assert fiscal_year(2025) == "令和7年度"
        assert months_as_years(18) == "1.5年"
        assert months_as_years(6) == "6か月"
    with translation.override("en"):
        assert fiscal_year(2025) == "FY2025"
        assert months_as_years(60) == "5 years"
