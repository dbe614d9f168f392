"""The committee packet, laid out by the background worker: the page queues it and the person
follows it on the job's page, where the PDF waits for them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.jobs.registry import job_handler

from .packet import packet_themes, render_packet

PACKET = "awards.packet"


def packet_params(choice: dict) -> dict:
    """`parse_choice`'s answer as JSON-able job parameters."""
    if "award_ids" in choice:
        return {"award_ids": list(choice["award_ids"])}
    return {"start": choice["start"].isoformat(), "end": choice["end"].isoformat()}


def packet_filename(params: dict, today: dt.date) -> str:
    if params.get("start"):
        return f"ステージゲート審査資料_{params['start']}_{params['end']}.pdf"
    return f"ステージゲート審査資料_{today}.pdf"


@job_handler(PACKET, atomic=False)
def make_packet(job, progress):
    """Reads the themes (a constant number of queries) and lays the PDF out (the long part)."""
    if getattr(job.requested_by, "role", None) not in {Role.MINISTRY, Role.AGENCY}:
        raise PermissionDenied(_("Your role may not do this."))
    params = job.params
    if "award_ids" in params:
        choice = {"award_ids": [int(i) for i in params["award_ids"]]}
        start = end = None
    else:
        start = dt.date.fromisoformat(params["start"])
        end = dt.date.fromisoformat(params["end"])
        choice = {"start": start, "end": end}
    progress(0, 2, _("Reading the themes"))
    themes = packet_themes(**choice)
    progress(1, 2, _("Laying out %(n)s themes") % {"n": len(themes)})
    pdf = render_packet(themes, start=start, end=end)
    from kikin.core.timeutil import today_jst

    job.save_result_file(packet_filename(params, today_jst()), pdf)
    progress(2, 2, _("The packet is ready."))
    return {"themes": len(themes), "pages_bytes": len(pdf)}
