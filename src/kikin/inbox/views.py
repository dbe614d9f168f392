"""The home page (with the signed-in person's inbox), the list of notifications, marking them
read or unread, and the language switch that also remembers the choice for later notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kikin.core.paging import page_of
from kikin.programs.models import Program

from . import selectors, services
from .models import Notification
from .permissions import can_read_notification, can_see_inbox

PER_PAGE = 50


def home(request):
    """The front page: for a signed-in person, what waits for them and their latest unread
    notifications; for everyone, the programs."""
    context = {"programs": Program.objects.all()}
    if can_see_inbox(request.user)[0]:
        sections = selectors.inbox_for(request.user)
        request.inbox_sections = sections  # the navigation counts these, not again
        context["inbox"] = sections
        context["inbox_waiting"] = sum(s.count for s in sections)
        context["latest"] = list(selectors.notifications_for(request.user, unread_only=True)[:5])
    return render(request, "kikin/home.html", context)


@login_required
def notifications(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    page = page_of(
        selectors.notifications_for(request.user, unread_only=show == "unread"),
        request.GET.get("page"),
        PER_PAGE,
    )
    return render(request, "inbox/notifications.html", {"page": page, "show": show})


def _back(request, default: str):
    """Back to the page the form was on (a path of this site), else to `default`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)


def _own(request, pk: int) -> Notification:
    """The reader's notification, else 404 (the same answer whether it exists or not)."""
    n = Notification.objects.filter(pk=pk).first()
    if n is None or not can_read_notification(request.user, n)[0]:
        raise Http404
    return n


@login_required
@require_POST
def mark(request, pk: int):
    n = _own(request, pk)
    try:
        if request.POST.get("read", "1") == "0":
            services.mark_unread(user=request.user, notification=n)
        else:
            services.mark_read(user=request.user, notification=n)
    except PermissionDenied:
        raise Http404 from None
    return _back(request, "inbox:notifications")


@login_required
@require_POST
def mark_all(request):
    n = services.mark_all_read(user=request.user)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": n})
    return _back(request, "inbox:notifications")


def set_language(request):
    """Django's language switch; a signed-in person's choice is also remembered, so that what
    is written to them later is in it."""
    response = django_set_language(request)
    if request.method == "POST" and getattr(request.user, "is_authenticated", False):
        services.remember_language(user=request.user, language=request.POST.get("language", ""))
    return response
