"""Exchange imports run by the background worker: the page keeps the uploaded file in the file
store and queues the import; the person follows it on the job's page, which links to the
import's report (what was imported, or every problem by line and column).

A refused import is a finished job whose result lists the problems: nothing of it was kept
(`services.import_file` rolls the whole file back)."""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kikin.jobs.registry import job_handler

from . import services

IMPORT = "exchange.import"


def store_upload(upload) -> str:
    """Keep an uploaded exchange file in the file store for the worker; its name there."""
    name = get_valid_filename(upload.name.rsplit("/", 1)[-1]) or "import.csv"
    return default_storage.save(f"imports/exchange/{uuid.uuid4().hex}/{name[-100:]}", upload)


@job_handler(IMPORT)
def import_file(job, progress):
    p = job.params
    path = p["path"]
    with default_storage.open(path, "rb") as fh:
        data = fh.read()
    progress(0, 1, _("Reading the file"))
    report = {"url": reverse("exchange:report", args=[job.pk]), "url_label": _("The report")}
    try:
        result = services.import_file(
            actor=job.requested_by,
            kind=p["kind"],
            data=data,
            encoding=p.get("encoding", "auto"),
            progress=progress,
        )
    except services.ImportRefused as exc:
        return {
            **report,
            "refused": True,
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in exc.errors
            ],
            "message": _("Nothing was imported: %(n)s problems.") % {"n": len(exc.errors)},
        }
    finally:
        transaction.on_commit(lambda: default_storage.delete(path))
    return {
        **report,
        "refused": False,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "message": _("%(rows)s rows imported: %(created)s new, %(updated)s updated.")
        % {"rows": result.rows, "created": result.created, "updated": result.updated},
    }
