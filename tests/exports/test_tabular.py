"""The export layer on its own: every kind of column in both formats, read back; the BOM; text
that looks like a formula stays text; the file name header; the format parameter."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import StreamingHttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from kikin.exports.tabular import CHUNK, Column, export_format, export_response
from tests.exports.helpers import read_csv, read_xlsx, xlsx_rows

COLUMNS = [
    Column("名前", "name"),
    Column("件数", "count", kind="int"),
    Column("金額", "money", kind="yen"),
    Column("日付", "day", kind="date"),
    Column("年度", "fy", kind="fiscal_year"),
    Column("率", "rate", kind="percent"),
    Column("可否", "ok", kind="bool"),
    Column("組織", "org.name"),
    Column("計算", lambda r: r["count"] * 2 if r["count"] is not None else None, kind="int"),
]
ROWS = [
    {
        "name": "光電融合の研究開発",
        "count": 3,
        "money": 12_345_678_901,
        "day": dt.date(2025, 4, 1),
        "fy": 2025,
        "rate": Fraction(2, 3),
        "ok": True,
        "org": {"name": "試験株式会社"},
    },
    {
        "name": '=HYPERLINK("http://x")',
        "count": None,
        "money": None,
        "day": None,
        "fy": None,
        "rate": None,
        "ok": False,
        "org": None,
    },
    {
        "name": "-1",
        "count": 0,
        "money": Decimal(7),
        "day": dt.datetime(2025, 3, 31, 15, 30, tzinfo=dt.UTC),
        "fy": 2019,
        "rate": Decimal("0.5"),
        "ok": None,
        "org": {"name": "Org"},
    },
]


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def test_csv_reads_back_with_bom_and_exact_values():
    response = export_response(ROWS, COLUMNS, filename="提案一覧", fmt="csv")
    assert isinstance(response, StreamingHttpResponse)  # streamed, never built in memory
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0] == ["名前", "件数", "金額", "日付", "年度", "率", "可否", "組織", "計算"]
    assert rows[1] == [
        "光電融合の研究開発",
        "3",
        "12345678901",
        "2025-04-01",
        "令和7年度 (FY2025)",
        "66.67%",
        "TRUE",
        "試験株式会社",
        "6",
    ]
    # A text that a spreadsheet would run as a formula gets a leading apostrophe; empty cells stay empty.
    assert rows[2] == ['\'=HYPERLINK("http://x")', "", "", "", "", "", "FALSE", "", ""]
    # An aware datetime is given as its date in Japan; 2019 is 令和元年度.
    assert rows[3] == ["'-1", "0", "7", "2025-04-01", "令和元年度 (FY2019)", "50%", "", "Org", "0"]


def test_xlsx_reads_back_with_types_and_formats():
    response = export_response(ROWS, COLUMNS, filename="提案一覧", fmt="xlsx")
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = read_xlsx(response)
    assert sheet.title == "提案一覧"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    rows = xlsx_rows(sheet)
    assert rows[0] == ("名前", "件数", "金額", "日付", "年度", "率", "可否", "組織", "計算")
    assert rows[1][:5] == (
        "光電融合の研究開発",
        3,
        12_345_678_901,
        dt.datetime(2025, 4, 1),
        "令和7年度 (FY2025)",
    )
    assert (
        rows[1][5] == pytest.approx(2 / 3)
        and rows[1][6] is True
        and rows[1][7:] == ("試験株式会社", 6)
    )
    money, day, rate = sheet["C2"], sheet["D2"], sheet["F2"]
    assert (
        money.data_type == "n" and money.number_format == "#,##0" and isinstance(money.value, int)
    )
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert rate.data_type == "n" and rate.number_format == "0.0%"
    formula = sheet["A3"]
    assert formula.value == '=HYPERLINK("http://x")' and formula.data_type == "s"  # text, never run
    assert rows[2][1:7] == (None, None, None, None, None, False)
    assert rows[3][2:6] == (7, dt.datetime(2025, 4, 1), "令和元年度 (FY2019)", 0.5)


def test_csv_streams_rows_as_they_come():
    """100,000 rows: the header goes out before any row is read, then the rows in chunks, so the
    whole list is never held at once."""
    read = 0

    def rows():
        nonlocal read
        for i in range(100_000):
            read += 1
            yield {"n": i}

    response = export_response(rows(), [Column("番号", "n", kind="int")], filename="x", fmt="csv")
    chunks = iter(response.streaming_content)
    assert next(chunks) == "\ufeff番号\r\n".encode() and read == 0
    assert next(chunks).startswith(b"0\r\n1\r\n") and read <= CHUNK + 1
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 100_000 - CHUNK


def test_english_fiscal_years_and_headers_follow_the_language():
    with translation.override("en"):
        response = export_response(
            ROWS[:1], [Column("FY", "fy", kind="fiscal_year")], filename="x", fmt="csv"
        )
    # The language is kept while the CSV streams, after the view has returned.
    assert read_csv(response) == [["FY"], ["FY2025"]]


def test_a_fraction_of_a_yen_is_refused_not_rounded():
    response = export_response(
        [{"money": Decimal("1.5")}], [Column("金額", "money", kind="yen")], filename="x", fmt="csv"
    )
    with pytest.raises(ValueError, match="whole number of yen"):
        read_csv(response)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind 'money'"):
        Column("金額", "money", kind="money")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_japanese_file_name_per_rfc_6266(fmt):
    response = export_response([], COLUMNS, filename="提案一覧_2026-11-24", fmt=fmt)
    assert response["Content-Disposition"] == (
        f'attachment; filename="2026-11-24.{fmt}"; '
        f"filename*=UTF-8''%E6%8F%90%E6%A1%88%E4%B8%80%E8%A6%A7_2026-11-24.{fmt}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_empty_list_still_has_its_header_row():
    assert read_csv(export_response([], COLUMNS, filename="x", fmt="csv")) == [
        [str(c.header) for c in COLUMNS]
    ]
    assert xlsx_rows(read_xlsx(export_response([], COLUMNS, filename="x", fmt="xlsx"))) == [
        tuple(str(c.header) for c in COLUMNS)
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", None),
        ("?format=", None),
        ("?format=xlsx", "xlsx"),
        ("?format=CSV", "csv"),
        ("?format=pdf", "pdf"),
    ],
)
def test_export_format_reads_the_query(query, expected):
    assert export_format(RequestFactory().get("/x/" + query)) == expected


def test_a_bad_format_is_a_clear_400():
    response = export_response(ROWS, COLUMNS, filename="x", fmt="pdf")
    assert response.status_code == 400
    text = response.content.decode()
    assert "pdf" in text and "format=xlsx" in text and "format=csv" in text


def test_links_keep_the_query_string_but_not_the_page():
    request = RequestFactory().get("/awards/", {"show": "gates", "page": "3", "q": "光"})
    html = Template('{% include "exports/_links.html" %}').render(Context({"request": request}))
    hrefs = [part.split('"')[0].replace("&amp;", "&") for part in html.split('href="')[1:]]
    assert len(hrefs) == 2 and "Excel" in html and "CSV" in html
    for href, fmt in zip(hrefs, ["xlsx", "csv"], strict=True):
        url = urlparse(href)
        assert url.path == "/awards/"
        assert parse_qs(url.query) == {"show": ["gates"], "q": ["光"], "format": [fmt]}
