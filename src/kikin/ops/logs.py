"""Logs as one JSON object a line, each with the id of the request (or job) it belongs to, and
the error-reporting hooks (Sentry when a DSN is set; Django's ADMINS mail is in the settings).

The request id is set by `kikin.ops.middleware.RequestIdMiddleware` for the request's duration
(a context variable, so threads and async tasks each keep their own) and sent back in the
`X-Request-ID` response header, which gunicorn's access log writes too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

#: Attributes every LogRecord has; anything else given in `extra=` goes into the JSON object.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id", ..., "exception"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out and not key.startswith("_"):
                out[key] = (
                    value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                )
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def init_sentry(dsn: str, *, environment: str) -> None:
    """Errors and slow transactions to Sentry, with no personal data (no cookies, no bodies,
    no user names): the request id is attached as a tag to find the matching log lines."""
    import os

    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def tag_request_id(event, hint):
        rid = request_id.get()
        if rid != "-":
            event.setdefault("tags", {})["request_id"] = rid
        return event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        before_send=tag_request_id,
    )
