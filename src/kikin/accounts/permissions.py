"""Role checks shared by every app's services."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_role(actor, *roles: str) -> None:
    """Refuse (PermissionDenied) unless `actor` acts in one of `roles`."""
    if getattr(actor, "role", None) not in roles:
        raise PermissionDenied(_("Your role may not do this."))
