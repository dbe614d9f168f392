"""The kinds of background job and the functions that do them.

An app declares its handlers in its own `jobs.py`, imported when the apps are ready
(`JobsConfig.ready` → `autodiscover_modules("jobs")`)::

    @job_handler("awards.packet")
    def packet(job, progress):
        progress(0, 10, "Reading the themes")
        ...
        job.save_result_file("packet.pdf", pdf_bytes)
        return {"themes": 10}

A handler gets the `Job` (its `params`, `requested_by`) and `progress(done, total, message="")`;
it returns a JSON-able dict (or None) stored as the job's result. It runs inside one
transaction with the job's completion (`atomic=True`, the default), so what it writes is kept
exactly when the job is marked done; a handler that only reads and makes a file may say
`atomic=False` so that a long rendering holds no transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Handler:
    kind: str
    func: Callable
    atomic: bool = True


_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str, *, atomic: bool = True):
    """Register the decorated function as the handler of jobs of `kind`."""

    def register(func: Callable) -> Callable:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing.func is not func:
            qualname = f"{existing.func.__module__}.{existing.func.__qualname__}"
            if qualname != f"{func.__module__}.{func.__qualname__}":
                raise ValueError(f"job kind {kind!r} is handled already by {qualname}")
        _HANDLERS[kind] = Handler(kind=kind, func=func, atomic=atomic)
        return func

    return register


def handler_for(kind: str) -> Handler:
    """The handler of `kind`; KeyError when no app registered one."""
    return _HANDLERS[kind]


def kinds() -> list[str]:
    return sorted(_HANDLERS)
