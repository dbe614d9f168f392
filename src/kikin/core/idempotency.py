"""Nothing lost, nothing doubled: one mechanism for every state-changing POST.

`FormKeyMiddleware` runs each POST of a signed-in user inside one transaction that starts by
recording the request's form key in `UsedFormKey`:

- A request whose key and content were seen before gets the first request's answer again (its
  status, redirect or body, and its messages), and nothing runs twice. Twenty copies sent at once
  queue on the key's row (PostgreSQL's unique index; SQLite's single writer) and all but the first
  get the stored answer.
- A refused request (an answer of 400 or more, or an error message for the user) is rolled back
  whole: whatever the view or its services wrote, and the key too, so nothing changes.
- A POST without a key is refused (400): every form carries one, written by `{% csrf_token %}`.

Views that must write even when they refuse (sign-in attempts counted by django-axes, a second
factor's failed tries) or that change nothing of the fund (language, sign-out) are marked with
`form_key_exempt`, as is the admin site.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import UsedFormKey

#: The hidden field that carries a form's key; API clients may send the header instead.
FIELD = "form_key"
HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Answers larger than this are not kept for replay (a repeat then gets a plain 409 page).
MAX_STORED_BODY = 512 * 1024
#: Fields that differ between two sends of one rendered form without the user changing anything.
IGNORED_FIELDS = {"csrfmiddlewaretoken", FIELD}


def form_key_exempt(view):
    """A view whose POSTs are not run through the form-key mechanism (a wrapper, as Django's
    csrf_exempt, so that a view of Django's own is not changed)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.form_key_exempt = True
    return wrapped


def request_digest(request, key: str) -> str:
    """The identity of one request: who, where, which form, and what was posted."""
    content = {
        "post": sorted(
            (name, values) for name, values in request.POST.lists() if name not in IGNORED_FIELDS
        ),
        "files": sorted(
            (name, [(f.name, f.size) for f in files]) for name, files in request.FILES.lists()
        ),
    }
    text = json.dumps(
        [request.user.pk, request.path, key, content], ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _queued_messages(request) -> list:
    storage = getattr(request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def is_refusal(request, response) -> bool:
    """A refused request: an error status, or an error message for the person who sent it."""
    if response.status_code >= 400:
        return True
    return any(m.level >= messages.ERROR for m in _queued_messages(request))


def _exempt(view_func) -> bool:
    if getattr(view_func, "form_key_exempt", False):
        return True
    module = getattr(view_func, "__module__", "") or ""
    return module.startswith("django.contrib.admin")


def _missing_key(request):
    return render(
        request,
        "400.html",
        {"reason": _("This form has no valid form key. Reload the page and send the form again.")},
        status=400,
    )


def _replay(request, row: UsedFormKey):
    for level, text in row.messages:
        messages.add_message(request, level, text)
    if row.status is None:
        return HttpResponse(status=409)
    if row.location:
        response = HttpResponseRedirect(row.location)
        response.status_code = row.status
        return response
    if row.body is None:
        return render(
            request,
            "400.html",
            {"reason": _("This form was already sent; its answer is not kept.")},
            status=409,
        )
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    response["X-Kikin-Replayed"] = "1"
    return response


class _KeyUsed(Exception):
    """The form key was recorded by an earlier request (raised out of its transaction)."""


class FormKeyMiddleware:
    """Runs each keyed POST once, atomically, and answers its repeats (see the module docstring).

    Put it last in MIDDLEWARE: it calls the view itself from `process_view`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or _exempt(view_func):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        key = request.POST.get(FIELD) or request.headers.get(HEADER, "")
        if not KEY_PATTERN.match(key):
            return _missing_key(request)
        digest = request_digest(request, key)
        request.form_digest = digest
        try:
            return self._run_once(request, user, digest, view_func, view_args, view_kwargs)
        except Exception as exc:
            # Called from process_view, the view's exception skips process_exception: give it
            # the same plain page here (or let Django's handlers have it).
            from .errors import safe_exception_response

            response = safe_exception_response(request, exc)
            if response is None:
                raise
            return response

    def _run_once(self, request, user, digest, view_func, view_args, view_kwargs):
        try:
            return self._first_time(request, user, digest, view_func, view_args, view_kwargs)
        except _KeyUsed:
            # The transaction (nothing in it but the refused key) is rolled back: answer as the
            # first request was answered.
            return _replay(request, UsedFormKey.objects.get(digest=digest))

    def _first_time(self, request, user, digest, view_func, view_args, view_kwargs):
        with transaction.atomic():
            # The key's row is the transaction's first write, so a key already used fails it
            # before anything else is done: the whole transaction is rolled back, and no
            # savepoint is needed around this insert (a deadline brings hundreds together).
            try:
                row = UsedFormKey.objects.create(digest=digest, user=user, path=request.path)
            except IntegrityError as exc:
                raise _KeyUsed from exc
            response = view_func(request, *view_args, **view_kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response = response.render()
            if is_refusal(request, response):
                transaction.set_rollback(True)
                return response
            row.status = response.status_code
            if 300 <= response.status_code < 400 and response.has_header("Location"):
                row.location = response["Location"][:2000]
            elif not response.streaming and len(response.content) <= MAX_STORED_BODY:
                row.body = response.content
                row.content_type = response.get("Content-Type", "")[:200]
            row.messages = [[m.level, str(m.message)] for m in _queued_messages(request)]
            row.save(update_fields=["status", "location", "body", "content_type", "messages"])
            return response
