"""`kikin assign`: reviewer assignment from CSV or Parquet files (see docs/assign.md).

    kikin assign --scores S.csv --conflicts C.csv --per-proposal 3 --min-load 0 --max-load 10 \\
                 --out A.csv [--fair] [--time-limit SECONDS]

S.csv: ``proposal,reviewer,score``; C.csv: ``proposal,reviewer``.  Writes A.csv
(``proposal,reviewer``, sorted by proposal then reviewer, byte order of the ids) and prints one
JSON line.  Any error: one line on stderr, exit status 2.  An input whose name ends in
``.parquet`` (or that starts with Parquet's magic bytes) is read as Parquet; ``--out A.parquet``
writes Parquet.

CSV files are read first with Apache Arrow's multithreaded reader (`kikin.solvers.columnar`):
ids come back dictionary-encoded, so only the distinct ids are sorted.  A file that reader does
not take exactly as this module's own reader would (quotes, a bad line, anything needing a line
number in an error) is read again with the NumPy reader below: the whole file is one byte array,
lines and fields are found from the positions of newlines and commas, ids become fixed-width byte
rows mapped to indices with a sort, and scores are parsed by NumPy in one cast.  It gives every
error its line number.  A file that uses double quotes goes through the `csv` module (slower).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass

import numpy as np

PROG = "kikin assign"
MAX_DENSE_CELLS = 400_000_000  # P×R; the solver holds a few P×R arrays


_PAD = 4096  # zero bytes after a file's content; ids and scores longer than this are refused


class CliError(Exception):
    """An error reported as one line on stderr with exit status 2."""


@dataclass
class Table:
    ids: list[np.ndarray]  # per id column: (n, W) uint8, zero-padded
    values: np.ndarray | None  # the numeric last column, float64
    lines: np.ndarray  # 1-based line number of each row


# --------------------------------------------------------------------------------------------
# Reading


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[32, 9]] = True
_NUMERIC = np.zeros(256, dtype=bool)
_NUMERIC[np.frombuffer(b"0123456789+-.eE \t", dtype=np.uint8)] = True


def _fixed_width(padded: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Fields padded[start:end] as zero-padded rows of an (n, W) uint8 array, W a multiple of 8.

    `padded` ends with `_PAD` zero bytes after the content, so every field's W-byte window lies
    inside it; rows are copied whole from a sliding-window view (fast), then cleared past their
    end.
    """
    n = start.size
    length = end - start
    longest = int(length.max(initial=1))
    width = max(8, -(-longest // 8) * 8)
    if width > _PAD:
        raise ValueError("field longer than the padding")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    out = np.empty((n, width), dtype=np.uint8)
    cols = np.arange(width, dtype=np.int32)
    step = max(1, (1 << 23) // width)
    for a in range(0, n, step):
        b = min(n, a + step)
        cells = windows[start[a:b]]
        cells[cols[None, :] >= length[a:b, None]] = 0
        out[a:b] = cells
    return out


def _strip(buf, start, end):
    start, end = start.copy(), end.copy()
    while True:
        m = (start < end) & _SPACE[buf[np.minimum(start, buf.size - 1)]]
        if not m.any():
            break
        start[m] += 1
    while True:
        m = (start < end) & _SPACE[buf[np.maximum(end - 1, 0)]]
        if not m.any():
            break
        end[m] -= 1
    return start, end


def _parse_floats(cells: np.ndarray, lines: np.ndarray, path: str) -> np.ndarray:
    """(n, W) uint8 numeric cells → float64, naming the first bad line."""
    # bytes that cannot be in a plain decimal number (letters of nan/inf, '_', 'x', ...)
    step = max(1, (1 << 24) // cells.shape[1])
    for a in range(0, cells.shape[0], step):
        c = cells[a : a + step]
        bad = np.flatnonzero((~_NUMERIC[c] & (c != 0)).any(axis=1))
        if bad.size:
            i = a + int(bad[0])
            text = cells[i].tobytes().rstrip(b"\0").decode("utf-8", "replace")
            raise CliError(f"{path}: line {lines[i]}: score {text!r} is not a number")
    as_bytes = cells.view(f"S{cells.shape[1]}").reshape(-1)
    try:
        values = as_bytes.astype(np.float64)
    except ValueError:
        step = 65536
        for a in range(0, as_bytes.size, step):
            try:
                as_bytes[a : a + step].astype(np.float64)
            except ValueError:
                for i in range(a, min(as_bytes.size, a + step)):
                    try:
                        float(as_bytes[i])
                    except ValueError:
                        text = as_bytes[i].decode("utf-8", "replace")
                        raise CliError(
                            f"{path}: line {lines[i]}: score {text!r} is not a number"
                        ) from None
        raise CliError(f"{path}: a score is not a number") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise CliError(f"{path}: line {lines[bad[0]]}: score is not a finite number")
    return values


def _read_quoted(text: str, path: str, n_cols: int):
    """The slow path for files with double quotes: the csv module."""
    reader = csv.reader(io.StringIO(text))
    next(reader, None)  # header, already checked
    cols: list[list[bytes]] = [[] for _ in range(n_cols)]
    lines = []
    for row in reader:
        lineno = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != n_cols:
            raise CliError(f"{path}: line {lineno}: expected {n_cols} fields, got {len(row)}")
        for c, v in zip(cols, row, strict=False):
            c.append(v.strip().encode("utf-8"))
        lines.append(lineno)
    out = []
    for c in cols:
        arr = np.array(c, dtype="S") if c else np.zeros(0, dtype="S8")
        w = max(8, -(-arr.dtype.itemsize // 8) * 8)
        out.append(np.frombuffer(arr.astype(f"S{w}").tobytes(), dtype=np.uint8).reshape(-1, w))
    return out, np.array(lines, dtype=np.int64)


def read_table(path: str, header: tuple[str, ...], numeric_last: bool) -> Table:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as e:
        raise CliError(f"{path}: {e.strerror or e}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    n_cols = len(header)
    first_nl = data.find(b"\n")
    head = (data if first_nl < 0 else data[:first_nl]).decode("utf-8", "replace").strip()
    if [h.strip().lower() for h in head.split(",")] != list(header):
        shown = head if len(head) <= 60 else head[:57] + "..."
        raise CliError(f"{path}: line 1: header must be {','.join(header)!r}, got {shown!r}")
    try:
        if not data.isascii():
            data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise CliError(f"{path}: line {line}: not UTF-8") from None

    if b'"' in data:
        cells, lines = _read_quoted(data.decode("utf-8"), path, n_cols)
        ids = cells[: n_cols - 1] if numeric_last else cells
        values = None
        if numeric_last:
            values = _parse_floats(cells[-1], lines, path)
        for c, name in zip(ids, header, strict=False):
            empty = np.flatnonzero(~c.any(axis=1))
            if empty.size:
                raise CliError(f"{path}: line {lines[empty[0]]}: empty {name} id")
        return Table(ids=list(ids), values=values, lines=lines)

    # a copy with zero padding after the end, so fixed-width windows never run past it
    padded = np.zeros(len(data) + _PAD, dtype=np.uint8)
    padded[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    buf = padded[: len(data)]
    pos = np.int32 if buf.size < 2**31 - 1 else np.int64
    spaces = b" " in data or b"\t" in data
    strip = _strip if spaces else (lambda _buf, s, e: (s, e))
    nl = np.flatnonzero(buf == 10).astype(pos)
    starts = np.concatenate([np.zeros(1, pos), nl + 1])
    ends = np.concatenate([nl, np.full(1, buf.size, pos)])
    del nl
    lines = np.arange(1, starts.size + 1, dtype=np.int64)
    # drop the header; drop a trailing \r; skip empty lines
    starts, ends, lines = starts[1:], ends[1:], lines[1:]
    cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    ends = ends - cr.astype(pos)
    del cr
    keep = ends > starts
    if spaces and keep.any():
        blank = keep.copy()
        s2, e2 = _strip(buf, starts[keep], ends[keep])
        blank[np.flatnonzero(keep)] = e2 > s2
        keep = blank
    if not keep.all():
        starts, ends, lines = starts[keep], ends[keep], lines[keep]
    del keep

    commas = np.flatnonzero(buf == 44).astype(pos)
    first = np.searchsorted(commas, starts)
    count = np.searchsorted(commas, ends) - first
    wrong = np.flatnonzero(count != n_cols - 1)
    if wrong.size:
        i = wrong[0]
        raise CliError(f"{path}: line {lines[i]}: expected {n_cols} fields, got {count[i] + 1}")
    del count
    bounds = [starts]
    for j in range(n_cols - 1):
        bounds.append(commas[first + j] + 1 if first.size else first.astype(pos))
    del commas, first
    fields = []
    for j in range(n_cols):
        s = bounds[j]
        e = (bounds[j + 1] - 1) if j + 1 < n_cols else ends
        fields.append(strip(buf, s, e))
    del bounds, starts, ends
    for (s, e), name in zip(fields, header, strict=False):
        long = np.flatnonzero(e - s > _PAD - 8)
        if long.size:
            raise CliError(f"{path}: line {lines[long[0]]}: {name} longer than {_PAD - 8} bytes")
    ids = []
    for j, name in enumerate(header[: n_cols - 1] if numeric_last else header):
        s, e = fields[j]
        empty = np.flatnonzero(e <= s)
        if empty.size:
            raise CliError(f"{path}: line {lines[empty[0]]}: empty {name} id")
        ids.append(_fixed_width(padded, s, e))
    values = None
    if numeric_last:
        s, e = fields[-1]
        empty = np.flatnonzero(e <= s)
        if empty.size:
            raise CliError(f"{path}: line {lines[empty[0]]}: empty score")
        values = _parse_floats(_fixed_width(padded, s, e), lines, path)
    return Table(ids=ids, values=values, lines=lines)


def _words(cells: np.ndarray, width: int) -> np.ndarray:
    """(n, W) uint8 → (n, width/8) big-endian uint64 words (their order is the bytes' order)."""
    if cells.shape[1] < width:
        cells = np.pad(cells, ((0, 0), (0, width - cells.shape[1])))
    return np.ascontiguousarray(cells).view(">u8").astype(np.uint64)


def _unique_rows(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique rows of an (n, w) uint64 array and each row's index among them."""
    n, w = words.shape
    if w == 1:
        u, inv = np.unique(words[:, 0], return_inverse=True)
        return u[:, None], inv.reshape(-1)
    order = np.lexsort(words.T[::-1])
    sw = words[order]
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (sw[1:] != sw[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    inv = np.empty(n, dtype=np.int64)
    inv[order] = group
    return sw[new], inv


def _index(columns: list[np.ndarray]) -> tuple[list[str], list[np.ndarray]]:
    """Ids of several columns → one sorted id list and each column's indices into it."""
    width = max(c.shape[1] for c in columns)
    words = np.concatenate([_words(c, width) for c in columns])
    uniq, inv = _unique_rows(words)
    raw = uniq.astype(">u8").view(f"S{width}").reshape(-1)
    ids = [b.decode("utf-8") for b in raw.tolist()]
    out, at = [], 0
    for c in columns:
        out.append(inv[at : at + c.shape[0]])
        at += c.shape[0]
    return ids, out


# --------------------------------------------------------------------------------------------
# Command


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CliError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Optimal reviewer assignment from CSV or Parquet files.")
    p.add_argument("--scores", required=True, help="CSV or Parquet: proposal,reviewer,score")
    p.add_argument("--conflicts", help="CSV or Parquet: proposal,reviewer (optional)")
    p.add_argument("--per-proposal", type=int, required=True)
    p.add_argument("--min-load", type=int, default=0)
    p.add_argument("--max-load", type=int, required=True)
    p.add_argument("--out", required=True, help="CSV (or .parquet) written: proposal,reviewer")
    p.add_argument(
        "--fair",
        action="store_true",
        help="first maximise the lowest proposal score, then the total",
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="seconds for the fair mode's MILPs (default 120)",
    )
    return p


SCORES_HEADER = ("proposal", "reviewer", "score")
CONFLICTS_HEADER = ("proposal", "reviewer")


def _read(path: str, header: tuple[str, ...], numeric_last: bool, fast: bool):
    """One input file as `columnar.Columns`: Parquet, CSV by Arrow (fast), or CSV by NumPy."""
    from kikin.solvers import columnar

    if columnar.is_parquet(path):
        try:
            return columnar.read_parquet(path, header, numeric_last)
        except columnar.ColumnarError as e:
            raise CliError(str(e)) from None
    if fast:
        return columnar.read_csv_fast(path, header, numeric_last)
    table = read_table(path, header, numeric_last)
    ids = []
    for cells in table.ids:
        values, (idx,) = _index([cells])
        ids.append((values, idx))
    return columnar.Columns(ids=ids, values=table.values, rows=table.lines, unit="line")


def _at(table, i: int) -> str:
    """`line N` (CSV) or `row N` (Parquet) of row i; the Arrow CSV path has no line numbers, so
    there it asks for the exact reader (columnar.Unusual)."""
    from kikin.solvers.columnar import Unusual

    if table.rows is None:
        raise Unusual
    return f"{table.unit} {table.rows[i]}"


@dataclass
class _Problem:
    proposals: list[str]
    reviewers: list[str]
    matrix: np.ndarray
    mask: np.ndarray


def _prepare(args, *, fast: bool) -> _Problem:
    """Read both files, check the rows, and build the dense score matrix and conflict mask."""
    from kikin.solvers.assignment import SCORE_SCALE
    from kikin.solvers.columnar import Columns

    scores = _read(args.scores, SCORES_HEADER, True, fast)
    empty: tuple[list[str], np.ndarray] = ([], np.zeros(0, np.int64))
    conflicts = (
        _read(args.conflicts, CONFLICTS_HEADER, False, fast)
        if args.conflicts
        else Columns(ids=[empty, empty], values=None, rows=np.zeros(0, np.int64), unit="line")
    )
    proposals, (sp, cp) = _merge([scores.ids[0], conflicts.ids[0]])
    reviewers, (sr, cr) = _merge([scores.ids[1], conflicts.ids[1]])
    P, R = len(proposals), len(reviewers)
    if P * R > MAX_DENSE_CELLS:
        raise CliError(f"{P} proposals × {R} reviewers is too large for the dense solver")

    key = sp * R + sr
    seen = np.zeros(P * R, dtype=bool)
    seen[key] = True
    if np.count_nonzero(seen) != key.size:
        order = np.argsort(key, kind="stable")
        dup = np.flatnonzero(key[order][1:] == key[order][:-1])
        i, j = order[dup[0]], order[dup[0] + 1]
        raise CliError(
            f"{args.scores}: {_at(scores, j)}: pair ({proposals[sp[j]]}, "
            f"{reviewers[sr[j]]}) repeats {_at(scores, i)}"
        )
    del seen
    vals = scores.values
    # more than 6 decimals: score × 10^6 is not (within float error) a whole number
    scaled = vals * SCORE_SCALE
    rounded = np.rint(scaled)
    np.subtract(scaled, rounded, out=scaled)
    np.abs(scaled, out=scaled)
    tolerance = np.abs(rounded)
    tolerance *= 1e-12
    tolerance += 1e-6
    off = np.flatnonzero(scaled > tolerance)
    del scaled, tolerance
    if off.size:
        raise CliError(
            f"{args.scores}: {_at(scores, off[0])}: score has more than 6 decimal places"
        )
    if vals.size and np.abs(vals).max() > 1e9:
        i = int(np.argmax(np.abs(vals)))
        raise CliError(f"{args.scores}: {_at(scores, i)}: score beyond ±10^9")
    del rounded
    whole = bool(vals.size) and np.array_equal(vals, np.rint(vals))
    matrix = np.zeros((P, R), dtype=np.int64 if whole else np.float64)
    matrix.reshape(-1)[key] = vals.astype(np.int64) if whole else vals
    del key
    mask = np.zeros((P, R), dtype=bool)
    mask[cp, cr] = True
    return _Problem(proposals, reviewers, matrix, mask)


def _merge(columns):
    from kikin.solvers.columnar import merge_ids

    return merge_ids(columns)


def _write(path: str, proposals: list[str], reviewers: list[str], pairs: np.ndarray) -> None:
    from kikin.solvers.columnar import PARQUET_SUFFIXES

    try:
        if path.lower().endswith(PARQUET_SUFFIXES):
            import pyarrow as pa
            import pyarrow.parquet as pq

            p = pa.array(proposals, pa.string()).take(pa.array(pairs[:, 0]))
            r = pa.array(reviewers, pa.string()).take(pa.array(pairs[:, 1]))
            pq.write_table(pa.table({"proposal": p, "reviewer": r}), path)
            return
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["proposal", "reviewer"])
            w.writerows((proposals[p], reviewers[r]) for p, r in pairs.tolist())
    except OSError as e:
        raise CliError(f"{path}: {e.strerror or e}") from None


def _run(argv: list[str]) -> dict:
    args = _parser().parse_args(argv)
    from kikin.solvers.assignment import AssignmentInfeasible, assign
    from kikin.solvers.columnar import Unusual

    try:
        problem = _prepare(args, fast=True)
    except Unusual:
        problem = _prepare(args, fast=False)
    proposals, reviewers = problem.proposals, problem.reviewers
    try:
        result = assign(
            problem.matrix,
            problem.mask,
            args.per_proposal,
            args.min_load,
            args.max_load,
            fair=args.fair,
            proposal_ids=proposals,
            reviewer_ids=reviewers,
            time_limit=args.time_limit,
        )
    except AssignmentInfeasible as e:
        raise CliError(f"infeasible: {e}") from None
    except ValueError as e:
        raise CliError(str(e)) from None
    del problem
    _write(args.out, proposals, reviewers, result.pairs)
    return {
        "total_score": result.total_score,
        "min_proposal_score": result.min_proposal_score,
        "seconds": round(result.seconds, 3),
        "proven_optimal": result.proven_optimal,
        "proposals": len(proposals),
        "reviewers": len(reviewers),
    }


def assign_main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in {"-h", "--help"} for a in argv):
        _parser().print_help()
        return 0
    try:
        summary = _run(argv)
    except CliError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(assign_main())
