"""Who may see a job: the person who asked for it, and staff (Django's `is_staff`). Anyone else
is answered 404, as if the job did not exist."""

from django.utils.translation import gettext as _

from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def can_view_job(user, job) -> Answer:
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in first."))
    if job.requested_by_id is not None and job.requested_by_id == user.pk:
        return allow()
    if user.is_staff:
        return allow()
    return deny(_("Only the person who asked for this job, and staff, may see it."))
