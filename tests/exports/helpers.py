"""Reading exports back the way their readers do: the workbook with openpyxl, the CSV with the
csv module (after checking its byte-order mark)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

BOM = b"\xef\xbb\xbf"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV response, header first; it must start with a UTF-8 byte-order mark."""
    data = body(response)
    assert data.startswith(BOM), data[:10]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def read_xlsx(response):
    """The first sheet of an Excel response, opened with openpyxl (a full workbook, not
    read-only, so that styles and the frozen pane can be checked)."""
    return load_workbook(io.BytesIO(body(response))).active


def xlsx_rows(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
