"""The exchange page: download each file (UTF-8 or Shift_JIS) and upload one back."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.core.downloads import content_disposition
from kikin.core.timeutil import today_jst
from kikin.jobs.selectors import visible_job_or_404
from kikin.jobs.services import enqueue_job

from . import csvio, selectors, services
from . import jobs as exchange_jobs
from .layouts import KINDS, LAYOUTS
from .permissions import can_export, can_import

KIND_NAMES = {
    "proposals": ("提案", "Proposals"),
    "members": ("研究者", "Team members"),
    "budgets": ("提案予算", "Budgets"),
    "adoptions": ("採択結果", "Adoptions"),
}


def _kinds(user):
    return [
        {
            "kind": k,
            "name": KIND_NAMES[k],
            "export": can_export(user, k)[0],
            "import": can_import(user, k)[0],
            "columns": LAYOUTS[k],
        }
        for k in KINDS
    ]


@login_required
def exchange_home(request):
    return render(request, "exchange/home.html", {"kinds": _kinds(request.user), "errors": []})


@login_required
def export_file(request, kind: str):
    ok, _reason = can_export(request.user, kind)
    if not ok:
        raise Http404
    encoding = request.GET.get("encoding", "utf-8")
    if encoding not in csvio.ENCODINGS:
        return HttpResponse(
            _("Choose the encoding utf-8 or cp932."), status=400, content_type="text/plain"
        )
    headers, rows = selectors.export_rows(request.user, kind)
    try:
        data = csvio.write(headers, rows, encoding)
    except csvio.Unencodable as e:
        return HttpResponse(
            _(
                "Line %(line)s, %(column)s: “%(char)s” cannot be written in Shift_JIS. "
                "Download the file in UTF-8 instead."
            )
            % {"line": e.line, "column": e.column, "char": e.char},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    charset = "shift_jis" if encoding == "cp932" else "utf-8"
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    name = f"{KIND_NAMES[kind][0]}_{today_jst().isoformat()}.csv"
    response["Content-Disposition"] = content_disposition(name)
    return response


@login_required
@require_POST
def import_upload(request, kind: str):
    """Keep the file and queue its import (kikin.exchange.jobs); the job's page follows it."""
    ok, _reason = can_import(request.user, kind)
    if not ok:
        raise Http404
    upload = request.FILES.get("file")
    encoding = request.POST.get("encoding", "auto")
    errors = []
    if upload is None:
        errors = [services.RowError(0, "", _("Choose a file to import."))]
    elif encoding not in {"auto", *csvio.ENCODINGS}:
        errors = [services.RowError(0, "", _("Unknown encoding."))]
    elif upload.size > services.MAX_BYTES:
        errors = [
            services.RowError(
                0, "", _("The file is larger than %(mb)s MB.") % {"mb": services.MAX_BYTES >> 20}
            )
        ]
    if errors:
        return render(
            request,
            "exchange/home.html",
            {"kinds": _kinds(request.user), "errors": errors, "failed_kind": kind},
            status=400,
        )
    job = enqueue_job(
        kind=exchange_jobs.IMPORT,
        params={
            "kind": kind,
            "encoding": encoding,
            "path": exchange_jobs.store_upload(upload),
            "file_name": upload.name[-200:],
        },
        requested_by=request.user,
        label=_("Import: %(file)s") % {"file": upload.name[-100:]},
    )
    return redirect("jobs:detail", pk=job.pk)


@login_required
def import_report(request, job_id: int):
    """What an import job did: the counts, or every problem by line and column."""
    job = visible_job_or_404(request.user, job_id)
    if job.kind != exchange_jobs.IMPORT:
        raise Http404
    result = job.result or {}
    errors = [services.RowError(**e) for e in result.get("errors", [])]
    return render(
        request,
        "exchange/report.html",
        {"job": job, "result": result, "errors": errors},
    )
