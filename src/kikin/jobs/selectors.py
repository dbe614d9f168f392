"""Reads of jobs for the pages."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Job
from .permissions import can_view_job


def jobs_of(user):
    """The jobs `user` asked for, newest first."""
    return Job.objects.filter(requested_by=user).order_by("-created_at", "-id")


def visible_job_or_404(user, pk: int) -> Job:
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=pk)
    allowed, _reason = can_view_job(user, job)
    if not allowed:
        raise Http404
    return job
