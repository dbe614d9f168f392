"""Who may exchange which file. Each predicate answers (allowed, reason).

Exports read through the same selectors as the pages (`calls.selectors.proposals_for_user`), so a
file never holds a row its reader could not open on a page; imports go through the services,
which check again row by row.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.models import Role

from .layouts import KINDS

STAFF = {Role.MINISTRY, Role.AGENCY}


def can_export(user, kind: str) -> tuple[bool, str]:
    if kind not in KINDS:
        return False, _("Unknown file.")
    if not user.is_authenticated:
        return False, _("Sign in first.")
    if kind == "adoptions" and user.role not in STAFF:
        return False, _("Decisions are for the ministry's and the agency's staff.")
    return True, ""


def can_import(user, kind: str) -> tuple[bool, str]:
    if kind not in KINDS:
        return False, _("Unknown file.")
    if not user.is_authenticated:
        return False, _("Sign in first.")
    if kind == "adoptions":
        if user.role != Role.AGENCY:
            return False, _("The committee's decisions are recorded by the agency.")
        return True, ""
    if user.role != Role.APPLICANT or not user.organisation_id:
        return False, _("Proposals are imported by an applicant acting for an organisation.")
    return True, ""
