"""`kikin assign`'s input files read with Apache Arrow: CSV (multithreaded) and Parquet.

Arrow's CSV reader parses the ten million score rows of the benchmark in about a second on two
cores and returns each id column dictionary-encoded, so ids become indices without a sort of
the rows: only the few thousand distinct ids are sorted.  (polars was measured too, on the same
file and machine: about 1.7 s against Arrow's 1.1 s from the file to index arrays.)

The CSV fast path takes only files it reads exactly as the NumPy reader in `cli.py` does; for
anything else it raises `Unusual` and the caller reads the file with that reader, which gives
every error its line number and its exact message.  Unusual is: a bad or differently spelled
header, a byte that is not ASCII and not UTF-8, a double quote anywhere (quoted fields), a
carriage return that does not end a line, a line whose field count or score Arrow refuses, an
empty or `nan`/`inf` score, an empty or over-long id, or any later check of the rows that needs
a line number (a repeated pair, too many decimals, a score beyond ±10^9).

Parquet has no lines: its errors name the row (1-based, in file order).  Its columns are found by
name (`proposal`, `reviewer`, and `score` for scores; other columns are ignored); ids may be
text or integers, scores any numeric type.

This module imports no Django.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from dataclasses import dataclass

import numpy as np

PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
_MAX_ID_BYTES = 4096 - 8  # the NumPy reader's limit (cli._PAD - 8)


class Unusual(Exception):
    """The fast path does not take this file; read it with the exact reader instead."""


class ColumnarError(Exception):
    """A Parquet file refused, with the message to show (no line number: Parquet has rows)."""


@dataclass
class Columns:
    """One file's rows: per id column its distinct values and each row's index into them."""

    ids: list[tuple[list[str], np.ndarray]]
    values: np.ndarray | None  # float64 of the numeric last column
    rows: np.ndarray | None  # 1-based row number of each row (Parquet); None for CSV
    unit: str  # "line" or "row", the word in messages


def is_parquet(path: str) -> bool:
    """By its extension, or by its first four bytes (Parquet's magic number `PAR1`)."""
    if path.lower().endswith(PARQUET_SUFFIXES):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PAR1"
    except OSError:
        return False


def _stripped(values: list[str]) -> list[str]:
    return [v.strip(" \t") for v in values]


def _numpy(array) -> np.ndarray:
    """A primitive Arrow array without nulls as a NumPy view of its data buffer.

    (`Array.to_numpy` would do, but its first call imports pandas: 0.4 s of a 4 s run.)"""
    import pyarrow as pa

    t = array.type
    kind = "f" if pa.types.is_floating(t) else "i" if pa.types.is_signed_integer(t) else "u"
    dtype = np.dtype(f"{kind}{t.bit_width // 8}")
    return np.frombuffer(
        array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize
    )


def _first_null(column) -> int:
    import pyarrow.compute as pc

    return int(pc.index(column.is_null(), True).as_py())


def _dictionary_column(column) -> tuple[list[str], np.ndarray]:
    """A dictionary-encoded (chunked) Arrow column → (distinct values, row indices).

    The chunks are given one dictionary first (`unify_dictionaries`), so the values are listed
    once, not once per block of the file."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.unify_dictionaries()
        chunks = column.chunks
    else:
        chunks = [column]
    if not chunks:
        return [], np.zeros(0, np.int32)
    values = chunks[0].dictionary.to_pylist()
    parts = [_numpy(chunk.indices) for chunk in chunks]  # int32: merge_ids widens them
    return values, np.concatenate(parts) if len(parts) > 1 else parts[0]


def _parse_mapped(data, header: tuple[str, ...], numeric_last: bool):
    """The mapped file's rows as an Arrow table, or Unusual."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    first_nl = data.find(b"\n", start)
    if first_nl < 0:
        raise Unusual
    head = data[start:first_nl].decode("utf-8", "replace").strip()
    if [h.strip().lower() for h in head.split(",")] != list(header):
        raise Unusual
    if data.find(b'"') >= 0:
        raise Unusual
    if data.find(b"\r") >= 0:
        view = np.frombuffer(data, dtype=np.uint8)
        cr = view == 13
        lone = np.count_nonzero(cr) != np.count_nonzero(cr[:-1] & (view[1:] == 10))
        del view, cr
        if lone:
            raise Unusual
    # bytes that are not UTF-8: Arrow refuses them in a text column (check_utf8) and cannot
    # read them as a number, so such a file goes to the exact reader, which names the line
    body = pa.py_buffer(data).slice(first_nl + 1)
    names = list(header)
    types = {name: pa.dictionary(pa.int32(), pa.string()) for name in names}
    if numeric_last:
        types[names[-1]] = pa.float64()
    try:
        return pcsv.read_csv(
            body,
            read_options=pcsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pcsv.ParseOptions(
                quote_char=False, newlines_in_values=False, ignore_empty_lines=True
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types, strings_can_be_null=False, check_utf8=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        raise Unusual from None
    finally:
        del body


def read_csv_fast(path: str, header: tuple[str, ...], numeric_last: bool) -> Columns:
    """Read a CSV file with Arrow, or raise Unusual (see the module docstring)."""
    names = list(header)
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise Unusual
            # mapped, not read: the checks below are memchr scans and Arrow parses the pages
            # in place, so the file is never copied into a Python bytes object
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError:
        raise Unusual from None
    try:
        table = _parse_mapped(data, header, numeric_last)
    finally:
        # a view still alive somewhere keeps the mapping open; it goes with the view
        with contextlib.suppress(BufferError):
            data.close()
    if table.num_rows == 0:
        raise Unusual
    id_names = names[:-1] if numeric_last else names
    ids = []
    for name in id_names:
        values, idx = _dictionary_column(table.column(name))
        stripped = _stripped(values)
        if any(not v or len(v.encode("utf-8")) > _MAX_ID_BYTES or "\0" in v for v in stripped):
            raise Unusual
        ids.append((stripped, idx))
    scores = None
    if numeric_last:
        column = table.column(names[-1])
        if column.null_count:
            raise Unusual
        scores = np.concatenate([_numpy(chunk) for chunk in column.chunks])
        if not np.isfinite(scores).all():
            raise Unusual
    return Columns(ids=ids, values=scores, rows=None, unit="line")


def read_parquet(path: str, header: tuple[str, ...], numeric_last: bool) -> Columns:
    """Read a Parquet file's named columns; errors (ColumnarError) name the row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    name = os.fspath(path)
    try:
        schema = pq.read_schema(name)
    except FileNotFoundError:
        raise ColumnarError(f"{name}: no such file") from None
    except (pa.ArrowException, OSError) as e:
        raise ColumnarError(f"{name}: not a readable Parquet file ({_first_line(e)})") from None
    by_lower = {}
    for field_name in schema.names:
        by_lower.setdefault(field_name.strip().lower(), field_name)
    missing = [h for h in header if h not in by_lower]
    if missing:
        shown = ",".join(schema.names)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise ColumnarError(f"{name}: columns must include {','.join(header)!r}, got {shown!r}")
    try:
        id_columns = [by_lower[h] for h in (header[:-1] if numeric_last else header)]
        table = pq.read_table(
            name,
            columns=[by_lower[h] for h in header],
            use_threads=True,
            read_dictionary=[c for c in id_columns if _is_text(schema.field(c).type)],
        )
    except (pa.ArrowException, OSError) as e:
        raise ColumnarError(f"{name}: not a readable Parquet file ({_first_line(e)})") from None
    n = table.num_rows
    rows = np.arange(1, n + 1, dtype=np.int64)
    id_names = header[:-1] if numeric_last else header
    ids = []
    for h in id_names:
        column = table.column(by_lower[h])
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_integer(kind):
            column = pc.cast(column, pa.string())
        elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise ColumnarError(f"{name}: column {h} must be text or integers, not {kind}")
        if column.null_count:
            raise ColumnarError(f"{name}: row {_first_null(column) + 1}: empty {h} id")
        if not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        values, idx = _dictionary_column(column)
        stripped = _stripped(values)
        for k, v in enumerate(stripped):
            if not v:
                i = int(np.flatnonzero(idx == k)[0])
                raise ColumnarError(f"{name}: row {i + 1}: empty {h} id")
        ids.append((stripped, idx))
    scores = None
    if numeric_last:
        column = table.column(by_lower[header[-1]])
        kind = column.type
        if not (
            pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
        ):
            raise ColumnarError(f"{name}: column {header[-1]} must be numeric, not {kind}")
        if column.null_count:
            raise ColumnarError(f"{name}: row {_first_null(column) + 1}: empty score")
        column = pc.cast(column, pa.float64())
        scores = (
            np.concatenate([_numpy(chunk) for chunk in column.chunks])
            if column.num_chunks
            else np.zeros(0, np.float64)
        )
        bad = np.flatnonzero(~np.isfinite(scores))
        if bad.size:
            raise ColumnarError(f"{name}: row {bad[0] + 1}: score is not a finite number")
    return Columns(ids=ids, values=scores, rows=rows, unit="row")


def _is_text(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def merge_ids(columns: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], list[np.ndarray]]:
    """Several id columns → one sorted id list (byte order of UTF-8, as code points) and each
    column's row indices into it."""
    ids = sorted(set().union(*(values for values, _ in columns)))
    position = {v: i for i, v in enumerate(ids)}
    out = []
    for values, idx in columns:
        remap = np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values))
        out.append(remap[idx] if idx.size else np.zeros(0, np.int64))
    return ids, out
