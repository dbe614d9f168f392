"""Sign-in helpers for django-axes: the user name counted is the one the sign-in form uses."""

import unicodedata


def username_from_request(request, credentials) -> str:
    """The user name of a sign-in attempt as it is stored (NFKC, no outer spaces), so that
    "applicant " and "applicant" count as attempts on one account."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return unicodedata.normalize("NFKC", str(raw)).strip()[:150]
