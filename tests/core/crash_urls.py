"""kikin's URLs plus a view that fails, to see the error pages (tests only)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from kikin.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def crash(request):
    raise RuntimeError("secret detail: postgres://user:hunter2@db/kikin")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("bad")


urlpatterns = [
    *urlpatterns,
    path("test-crash/", crash),
    path("test-forbidden/", forbidden),
    path("test-suspicious/", suspicious),
]
