"""Turning a refused service call into messages for the person who made it."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def errors_to_messages(request, exc: Exception) -> None:
    """One error message per field (named, so the user sees which field and which rule), or the
    exception's own text."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            messages.error(request, f"{field}: {' '.join(errs)}" if field and field != "__all__" else " ".join(errs))
    else:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
