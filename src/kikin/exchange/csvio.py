"""CSV files as Japanese funding systems exchange them: UTF-8 with a byte-order mark, or
Shift_JIS (Microsoft's CP932, what Excel in Japan writes), comma-separated, one header line.

Reading detects the encoding (a BOM means UTF-8; otherwise strict UTF-8, then CP932) and keeps
each row's line number in the file (a quoted cell may span lines). Writing refuses a character
that CP932 cannot hold rather than replacing it, so no export loses a character silently.

Text cells that a spreadsheet would run as a formula (starting with = + - @) are written with a
leading apostrophe, and a text cell that starts with an apostrophe gets one more; reading removes
exactly one leading apostrophe, so every text comes back as it was written.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}
_FORMULA_START = ("=", "+", "-", "@", "'")


class FileRefused(Exception):
    """The whole file is unreadable (encoding, header); `line` is 1 for the header."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


class Unencodable(Exception):
    def __init__(self, line: int, column: str, char: str):
        super().__init__(f"line {line}, {column}: {char!r}")
        self.line, self.column, self.char = line, column, char


@dataclass
class Row:
    line: int  # the line in the file where the row starts
    cells: dict[str, str]  # by header as written in the file


def decode(data: bytes, encoding: str = "auto") -> str:
    if encoding in ENCODINGS:
        try:
            return data.decode(ENCODINGS[encoding])
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise FileRefused(f"not {encoding}", line) from None
    if data.startswith(codecs.BOM_UTF8):
        return decode(data, "utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise FileRefused("neither UTF-8 nor Shift_JIS (CP932)", line) from None


def unguard(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def read_rows(text: str) -> tuple[list[str], list[Row]]:
    """(headers, rows) of a CSV text; blank lines are skipped. A row with more cells than the
    header raises FileRefused naming its line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRefused("empty file") from None
    except csv.Error as e:
        raise FileRefused(str(e)) from None
    rows = []
    line = 2
    try:
        for cells in reader:
            start = line
            line = reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) > len(headers):
                raise FileRefused(f"{len(cells)} cells, the header has {len(headers)}", start)
            cells = cells + [""] * (len(headers) - len(cells))
            rows.append(Row(start, dict(zip(headers, cells, strict=True))))
    except csv.Error as e:
        raise FileRefused(str(e), line) from None
    return headers, rows


def write(headers: list[str], rows: list[list], encoding: str) -> bytes:
    """The CSV bytes (CRLF line ends); None cells are empty. For CP932, raises Unencodable naming
    the first cell with a character CP932 lacks (its line in the file and its column)."""
    cells = [["" if v is None else str(v) for v in r] for r in rows]
    if encoding == "cp932":
        for i, r in enumerate([headers, *cells]):
            for header, value in zip(headers, r, strict=True):
                try:
                    value.encode("cp932")
                except UnicodeEncodeError as e:
                    raise Unencodable(i + 1, header, value[e.start]) from None
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(cells)
    text = buf.getvalue()
    if encoding == "cp932":
        return text.encode("cp932")
    return codecs.BOM_UTF8 + text.encode("utf-8")
