"""Any list as an Excel workbook or a CSV file: the one export layer the site's lists call.

A list page offers its rows as a download by answering `?format=xlsx` or `?format=csv` with the
same filters and permissions as the page, all rows (not one page of them)::

    from kikin.exports.tabular import Column, export_format, export_response

    COLUMNS = [
        Column(_("Award"), "number"),
        Column(_("Organisation"), lambda a: a.organisation.name_ja),
        Column(_("Budget"), "budget_yen", kind="yen"),
        Column(_("Stage gate due"), "stage_gate_due", kind="date"),
    ]

    def award_list(request):
        qs = ...  # the page's own query, filters and permissions
        if fmt := export_format(request):
            return export_response(qs, COLUMNS, filename="ポートフォリオ", fmt=fmt)
        ...

`Column(header, value, kind="text")`
    `header`: the column's heading, a (lazy) translated string, written in the language of the
    request. `value`: a callable `row -> value`, or an attribute path such as
    `"theme.item.symbol"` (dots walk attributes or dict keys; a missing link gives an empty cell;
    a method at the end, such as `"get_state_display"`, is called). `kind`, one of:

    - `text`: as text. A text that starts with = + - @ is kept text (never run as a formula):
      an explicit string cell in Excel, a leading apostrophe in CSV.
    - `int`: a whole number.
    - `yen`: money as the exact integer of yen, never rounded to 億円 / 百万円 (that is for pages):
      an integer cell shown `#,##0` in Excel, plain digits in CSV.
    - `date`: a date (an aware datetime is given as its date in Japan): a real date cell in
      Excel, `2025-04-01` in CSV.
    - `fiscal_year`: a fiscal year such as 2025, written 令和7年度 (FY2025) in Japanese and
      FY2025 in English, as text.
    - `percent`: a ratio (Fraction, Decimal, float; 0.5 = 50 %): a number shown `0.0%` in Excel,
      `50%` in CSV.
    - `bool`: a true/false cell in Excel, TRUE / FALSE in CSV.

    `None` gives an empty cell in every kind.

`export_response(rows, columns, *, filename, fmt)`
    `rows`: an iterable of objects or dicts; a QuerySet is read in chunks (`.iterator()`, its
    `prefetch_related` kept), so a list of 100,000 rows never sits in memory. `filename`: the
    file's name without its extension (Japanese welcome); the date is not added. `fmt`: "xlsx" or
    "csv"; anything else answers 400 with a message that names the choices, so a view passes
    `export_format(request)` on without a check of its own.

    - CSV: UTF-8 with a byte-order mark (Excel in Japan opens it as UTF-8 only with one),
      streamed (StreamingHttpResponse), a header row then one line per row.
    - Excel: an openpyxl write-only workbook on a temporary file, one sheet, the header row bold
      and frozen, columns sized by kind.

    Both are attachments whose Japanese file name is encoded per RFC 6266 (an ASCII fallback in
    `filename`, the UTF-8 name in `filename*`), and the cells are written in the language active
    when the response was made (a streamed CSV keeps it while it streams).

`export_format(request)`
    "xlsx" or "csv" when the page was asked for a download (`?format=`, any case), None for the
    page itself; any other value is returned as given, and `export_response` refuses it (400).

The links: `{% include "exports/_links.html" %}` renders "Excel / CSV" links to the current page
with its query string kept (less `page`, plus `format`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kikin.core.downloads import content_disposition
from kikin.rules.fiscal import fiscal_year_label_en, fiscal_year_label_ja

FORMATS = ("xlsx", "csv")
KINDS = ("text", "int", "yen", "date", "fiscal_year", "percent", "bool")
#: Rows read from the database at a time, and CSV rows sent at a time.
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEN_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
#: Excel column widths (characters) by kind; text columns widen to their header.
WIDTHS = {"text": 30, "int": 10, "yen": 18, "date": 12, "fiscal_year": 20, "percent": 10, "bool": 8}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, how to get its value from a row, and its kind."""

    header: Any
    value: Callable[[Any], Any] | str
    kind: str = "text"
    _get: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Column {self.header!s}: kind {self.kind!r} is not one of {', '.join(KINDS)}"
            )
        getter = self.value if callable(self.value) else _path_getter(self.value)
        object.__setattr__(self, "_get", getter)

    def get(self, row) -> Any:
        return self._get(row)


def _path_getter(path: str) -> Callable[[Any], Any]:
    parts = path.split(".")

    def get(row):
        value = row
        for part in parts:
            if value is None:
                return None
            value = value[part] if isinstance(value, dict) else getattr(value, part, None)
        return value() if callable(value) else value

    return get


def export_format(request) -> str | None:
    """The download the page was asked for (`?format=xlsx|csv`), or None for the page itself."""
    value = request.GET.get("format", "").strip().lower()
    return value or None


def export_response(
    rows: Iterable, columns: list[Column], *, filename: str, fmt: str
) -> HttpResponse:
    """The rows as an Excel workbook (fmt "xlsx") or a streamed CSV file (fmt "csv"); any other
    fmt answers 400 with a message naming the choices."""
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Unknown export format “%(fmt)s”: use format=xlsx (Excel) or format=csv.")
            % {"fmt": fmt},
            content_type="text/plain; charset=utf-8",
        )
    if fmt == "csv":
        response = _csv_response(rows, columns)
    else:
        response = _xlsx_response(rows, columns, sheet=filename)
    response["Content-Disposition"] = content_disposition(f"{filename}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _iterate(rows: Iterable) -> Iterator:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK)
    return iter(rows)


def _text(value) -> str:
    return "" if value is None else str(value)


def _yen(value) -> int:
    yen = int(value)
    if yen != value:
        raise ValueError(f"{value!r} is not a whole number of yen")
    return yen


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _fiscal_year(fy) -> str:
    fy = int(fy)
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{fiscal_year_label_ja(fy)} ({fiscal_year_label_en(fy)})"
    return fiscal_year_label_en(fy)


def _percent_text(ratio) -> str:
    pct = (Fraction(ratio) if not isinstance(ratio, float) else Fraction(Decimal(str(ratio)))) * 100
    text = f"{Decimal(pct.numerator) / Decimal(pct.denominator):.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


# ---------------------------------------------------------------------------------------------
# CSV


class _Line:
    """A file-like object whose write() hands back the text, for csv.writer in a generator."""

    def write(self, text):
        return text


def _csv_cell(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "text":
        text = str(value)
        return f"'{text}" if text.startswith(_FORMULA_START) else text
    if kind == "int":
        return str(int(value))
    if kind == "yen":
        return str(_yen(value))
    if kind == "date":
        return _date(value).isoformat()
    if kind == "fiscal_year":
        return _fiscal_year(value)
    if kind == "percent":
        return _percent_text(value)
    return "TRUE" if value else "FALSE"


def _csv_response(rows: Iterable, columns: list[Column]) -> StreamingHttpResponse:
    language = translation.get_language()
    headers = [str(c.header) for c in columns]

    def lines():
        with translation.override(language):
            writer = csv.writer(_Line())
            yield "\ufeff" + writer.writerow(headers)
            batch = []
            for row in _iterate(rows):
                batch.append(writer.writerow([_csv_cell(c.kind, c.get(row)) for c in columns]))
                if len(batch) >= CHUNK:
                    yield "".join(batch)
                    batch = []
            if batch:
                yield "".join(batch)

    return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")


# ---------------------------------------------------------------------------------------------
# Excel


def _sheet_name(filename: str) -> str:
    return (_SHEET_NAME_BAD.sub("_", filename).strip("'") or "Sheet")[:31]


def _xlsx_response(rows: Iterable, columns: list[Column], *, sheet: str) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_name(sheet))
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, start=1):
        header_width = 2 * len(str(c.header)) + 2  # a Japanese character is about two wide
        ws.column_dimensions[get_column_letter(i)].width = max(
            WIDTHS[c.kind], min(header_width, 60)
        )
    bold = Font(bold=True)

    def header_cell(text):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(text)))
        cell.font = bold
        return cell

    def formatted(value, number_format):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
        return cell

    def cell(kind: str, value):
        if value is None:
            return None
        if kind == "text":
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            if text.startswith(_FORMULA_START):  # a string, never a formula
                c = WriteOnlyCell(ws, value=text)
                c.data_type = "s"
                return c
            return text
        if kind == "int":
            return int(value)
        if kind == "yen":
            return formatted(_yen(value), YEN_FORMAT)
        if kind == "date":
            return formatted(_date(value), DATE_FORMAT)
        if kind == "fiscal_year":
            return _fiscal_year(value)
        if kind == "percent":
            return formatted(float(value), PERCENT_FORMAT)
        return bool(value)

    ws.append([header_cell(c.header) for c in columns])
    for row in _iterate(rows):
        ws.append([cell(c.kind, c.get(row)) for c in columns])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it); the workbook on disk, not in memory; removed when closed
    wb.save(out)
    out.seek(0)
    return FileResponse(out, content_type=XLSX_TYPE)
