"""The providers' usage reports imported by the background worker: the pool page checks the
header, keeps the file in the file store and queues the import; the officer follows it on the
job's page, which then links to the import's report."""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kikin.jobs.registry import job_handler

from . import services
from .models import ComputePool
from .usage import ProgressReader

IMPORT = "compute.import_usage"


def store_upload(upload) -> str:
    """Keep an uploaded usage report in the file store for the worker; returns its name there."""
    name = get_valid_filename(upload.name.rsplit("/", 1)[-1]) or "usage.csv"
    return default_storage.save(f"imports/usage/{uuid.uuid4().hex}/{name[-100:]}", upload)


@job_handler(IMPORT)
def import_usage(job, progress):
    """Reads the stored file as a stream (progress in bytes) through `services.import_usage`;
    the rows and the import's record are written with the job's completion, once. The stored
    file is removed once they are."""
    p = job.params
    pool = ComputePool.objects.get(pk=p["pool"])
    path = p["path"]
    size = default_storage.size(path)
    with default_storage.open(path, "rb") as fh:
        stream = ProgressReader(fh, size, progress, _("Reading the file"))
        imp = services.import_usage(
            actor=job.requested_by, pool=pool, stream=stream, file_name=p["file_name"]
        )
    transaction.on_commit(lambda: default_storage.delete(path))
    return {
        "import": imp.pk,
        "message": _("%(new)s rows imported, %(old)s already there, %(bad)s refused.")
        % {
            "new": f"{imp.rows_imported:,}",
            "old": f"{imp.rows_already:,}",
            "bad": f"{imp.rows_bad:,}",
        },
        "url": reverse("compute:import", args=[imp.pk]),
        "url_label": _("The import's report"),
    }
