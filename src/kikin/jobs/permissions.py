"""Who may see a job: the person who asked for it, and staff (Django's `is_staff`). Anyone else
is answered 404, as if the job did not exist."""

from django.utils.translation import gettext as _


def can_view_job(user, job) -> tuple[bool, str]:
    if not getattr(user, "is_authenticated", False):
        return False, _("Log in first.")
    if job.requested_by_id is not None and job.requested_by_id == user.pk:
        return True, ""
    if user.is_staff:
        return True, ""
    return False, _("Only the person who asked for this job, and staff, may see it.")
