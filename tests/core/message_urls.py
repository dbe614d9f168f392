"""kikin's URLs plus views that refuse with an internal message, to see that the person gets the
plain error page in both languages and never the message (tests only)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from kikin.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def not_found_with_a_message(request):
    raise Http404("No User matches the given query: reviewer 42 is conflicted")


def forbidden_with_a_message(request):
    raise PermissionDenied("role_check: agency_only (000 l.5193)")


def value_error(request):
    int("bogus")  # ValueError: invalid literal for int() with base 10: 'bogus'


urlpatterns = [
    *urlpatterns,
    path("test-not-found-with-a-message/", not_found_with_a_message),
    path("test-forbidden-with-a-message/", forbidden_with_a_message),
    path("test-value-error/", value_error),
]
