"""The providers' usage reports: the CSV format, read as a stream, row by row.

The file is UTF-8 (a byte-order mark is allowed), comma-separated, with this header line
(columns in any order; other columns are ignored)::

    usage_id,allocation,date,accelerator_hours,fee_yen

* ``usage_id`` — the provider's id of the line; unique within the pool: a line already imported
  is never imported again, so the same file (or an overlapping one) may be sent twice;
* ``allocation`` — the allocation number the program gave the provider (by default the award
  number, e.g. ``A-2024-07-00012``);
* ``date`` — the day of use, ``YYYY-MM-DD`` (JST); it must lie in the allocation's period;
* ``accelerator_hours`` — the accelerator-hours used, a decimal number with at most three
  places (``12``, ``12.5``, ``0.125``), not negative;
* ``fee_yen`` — the fee in whole yen, not negative; empty: the hours × the pool's price per
  hour, truncated to the yen.

A bad row is reported with its line number (the line of the file where the row ends, counting
the header as line 1) and the reason, and the other rows are imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEADER = ("usage_id", "allocation", "date", "accelerator_hours", "fee_yen")
USAGE_ID_MAX = 100
#: Whole hours up to 10^12 and at most three decimals.
_HOURS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,3})?\Z")
_YEN = re.compile(r"[0-9]{1,15}\Z")
_REPLACEMENT = "\ufffd"


class HashingReader(io.RawIOBase):
    """A binary stream that passes `source` through, counting bytes and hashing them (SHA-256)."""

    def __init__(self, source):
        self._source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.size += n
        return n


def text_lines(binary) -> tuple[HashingReader, io.TextIOWrapper]:
    """(hasher, text stream) over a binary file: decoded as UTF-8 with an optional BOM, bad bytes
    replaced (the row is then refused), newlines left to the CSV reader."""
    hasher = HashingReader(binary)
    text = io.TextIOWrapper(
        io.BufferedReader(hasher, buffer_size=1 << 16),
        encoding="utf-8-sig",
        errors="replace",
        newline="",
    )
    return hasher, text


class HeaderError(ValueError):
    pass


def column_index(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in HEADER if c not in names]
    if missing:
        raise HeaderError(
            _("The first line must be the header %(header)s; missing: %(missing)s.")
            % {"header": ",".join(HEADER), "missing": ", ".join(missing)}
        )
    return {c: names.index(c) for c in HEADER}


def check_header(binary) -> None:
    """Raise HeaderError unless the file's first line is the header (HEADER, in any order);
    the file is rewound either way. Cheap: it reads the first block only, so the page can
    refuse a wrong file at once and leave the rows to the background import."""
    binary.seek(0)
    try:
        _hasher, text = text_lines(binary)
        try:
            header = next(csv.reader(text))
        except StopIteration:
            raise HeaderError(_("The file is empty.")) from None
        column_index(header)
    finally:
        binary.seek(0)


class ProgressReader(io.RawIOBase):
    """A binary stream that passes `source` through and reports the bytes read so far as
    `progress(done, total, message)`."""

    def __init__(self, source, total: int, progress, message: str = ""):
        self._source, self._total, self._progress, self._message = source, total, progress, message
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self.done += n
        self._progress(self.done, max(self._total, self.done), self._message)
        return n


#: Reasons that need no figures, shown in the reader's language (the stored text is in the
#: importer's); the others keep the text written at import time.
FIXED_REASONS = {
    ("negative", "accelerator_hours"): gettext_lazy("Negative accelerator-hours."),
    ("bad_number", "accelerator_hours"): gettext_lazy(
        "Not a number of hours with at most three decimals."
    ),
    ("negative", "fee_yen"): gettext_lazy("Negative fee."),
    ("bad_number", "fee_yen"): gettext_lazy("Not a whole number of yen."),
    ("bad_date", "date"): gettext_lazy("Not a date written YYYY-MM-DD."),
    ("encoding", ""): gettext_lazy("The row is not UTF-8 text."),
    ("unknown_allocation", "allocation"): gettext_lazy(
        "No allocation of this pool has this number."
    ),
}


def reason_for_reader(error: dict) -> str:
    """An error row's reason in the active language where it has no figures in it."""
    fixed = FIXED_REASONS.get((error.get("code"), error.get("field", "")))
    return str(fixed) if fixed is not None else error.get("reason", "")


class RowError(ValueError):
    def __init__(self, code: str, field: str, reason: str, value: str = ""):
        super().__init__(reason)
        self.code, self.field, self.reason, self.value = code, field, reason, value


def parse_milli_hours(text: str) -> int:
    """ "12.5" → 12500 milli-hours; refuses negatives and anything but a plain decimal."""
    t = text.strip()
    if _HOURS.match(t):
        whole, _sep, frac = t.partition(".")
        return int(whole) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
    if t[:1] == "-" and _HOURS.match(t[1:]):
        raise RowError("negative", "accelerator_hours", _("Negative accelerator-hours."), t)
    raise RowError(
        "bad_number",
        "accelerator_hours",
        _("Not a number of hours with at most three decimals."),
        t,
    )


def parse_yen(text: str) -> int | None:
    t = text.strip()
    if not t:
        return None
    if _YEN.match(t):
        return int(t)
    if t[:1] == "-" and _YEN.match(t[1:]):
        raise RowError("negative", "fee_yen", _("Negative fee."), t)
    raise RowError("bad_number", "fee_yen", _("Not a whole number of yen."), t)


def parse_day(text: str) -> dt.date:
    t = text.strip()
    try:
        if len(t) != 10:
            raise ValueError
        return dt.date.fromisoformat(t)
    except ValueError:
        raise RowError("bad_date", "date", _("Not a date written YYYY-MM-DD."), t) from None


@dataclass
class Tally:
    """What became of the rows read so far; the first `keep` errors are kept."""

    keep: int = 100
    read: int = 0
    good: int = 0
    bad: int = 0
    errors: list[dict] = field(default_factory=list)

    def refuse(self, line: int, exc: RowError) -> None:
        self.bad += 1
        if len(self.errors) < self.keep:
            self.errors.append(
                {
                    "line": line,
                    "code": exc.code,
                    "field": exc.field,
                    "reason": exc.reason,
                    "value": exc.value[:80],
                }
            )


def good_rows(
    text,
    allocations: dict[str, tuple[int, dt.date, dt.date]],
    price_per_hour_yen: int,
    tally: Tally,
):
    """An iterator of (line, usage_id, allocation_id, day, milli_hours, fee_yen) over the good rows
    of the CSV text stream, counting the bad ones in `tally`. The header is read (and checked:
    `HeaderError`) at once. `allocations`: code → (id, first day, last day)."""
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise HeaderError(_("The file is empty.")) from None
    idx = column_index(header)
    return _rows(reader, idx, allocations, price_per_hour_yen, tally)


def _rows(reader, idx: dict[str, int], allocations, price_per_hour_yen: int, tally: Tally):
    i_id, i_alloc, i_date, i_hours, i_fee = (idx[c] for c in HEADER)
    width = max(idx.values()) + 1
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line is no row
        tally.read += 1
        try:
            if len(row) < width:
                raise RowError(
                    "columns",
                    "",
                    _("%(n)s columns; the header has %(w)s.") % {"n": len(row), "w": width},
                )
            usage_id = row[i_id].strip()
            if not usage_id or len(usage_id) > USAGE_ID_MAX:
                raise RowError(
                    "usage_id",
                    "usage_id",
                    _("The provider's line id is empty or longer than %(n)s characters.")
                    % {"n": USAGE_ID_MAX},
                    usage_id,
                )
            if _REPLACEMENT in usage_id or _REPLACEMENT in row[i_alloc]:
                raise RowError("encoding", "", _("The row is not UTF-8 text."))
            code = row[i_alloc].strip()
            found = allocations.get(code)
            if found is None:
                raise RowError(
                    "unknown_allocation",
                    "allocation",
                    _("No allocation of this pool has this number."),
                    code,
                )
            day = parse_day(row[i_date])
            milli = parse_milli_hours(row[i_hours])
            fee = parse_yen(row[i_fee])
            alloc_id, first, last = found
            if not first <= day <= last:
                raise RowError(
                    "outside_allocation",
                    "date",
                    _("Outside the allocation's period (%(a)s – %(b)s).")
                    % {"a": first.isoformat(), "b": last.isoformat()},
                    day.isoformat(),
                )
            if fee is None:
                fee = milli * price_per_hour_yen // 1000  # truncated to the yen
        except RowError as exc:
            tally.refuse(line, exc)
            continue
        tally.good += 1
        yield line, usage_id, alloc_id, day, milli, fee
