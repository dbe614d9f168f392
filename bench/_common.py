"""Shared helpers for the bench scripts: progress lines, peak memory, the final JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time

_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One progress line on stdout, stamped with the seconds since the script started."""
    print(f"[{time.perf_counter() - _T0:7.2f}s] {message}", flush=True)


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, in MiB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there
        kib /= 1024
    return round(kib / 1024, 1)


def finish(result: dict) -> int:
    """Print the result as the last line (one JSON object); exit status 0 if it is ok."""
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result.get("ok") else 1
