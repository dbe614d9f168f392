"""Who may see and do what with research data. Each action predicate answers (allowed, reason).

- A dataset's managers are the applicants of its managing organisation (the data manager). They
  edit it, add files, check requests against the written conditions and see its log.
- The ministry and the agency see every dataset and every log (audit), but get no data on other
  terms than anyone else: the data supplied is never restricted by the kind of user (000 lines
  1871–1873), so staff ask like everyone.
- A draft dataset exists only for its managers and the staff: anyone else is answered 404.
- A data management plan and IP committees are the implementer's to write and the staff's to
  read; the agency adds its advice to IP decisions.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.awards.permissions import is_implementer

from .models import DataPlatform, Dataset, DatasetState

STAFF = {Role.MINISTRY, Role.AGENCY}


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role in STAFF)


def is_data_manager(user, dataset: Dataset) -> bool:
    """The user acts for the dataset's managing organisation (its data manager)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.APPLICANT
        and user.organisation_id
        and user.organisation_id == dataset.organisation_id
    )


def can_view_dataset(user, dataset: Dataset) -> bool:
    """Published (and withdrawn, as a tombstone) metadata is public; a draft is its managers' and
    the staff's."""
    if dataset.state != DatasetState.DRAFT:
        return True
    return is_data_manager(user, dataset) or is_staff(user)


def can_create_dataset(user) -> tuple[bool, str]:
    if not getattr(user, "is_authenticated", False):
        return False, _("Log in to register a dataset.")
    if user.role == Role.AGENCY:
        return True, ""
    if user.role == Role.APPLICANT and user.organisation_id:
        return True, ""
    return False, _("Datasets are registered by an organisation's applicants or the agency.")


def can_edit_dataset(user, dataset: Dataset) -> tuple[bool, str]:
    if dataset.state == DatasetState.WITHDRAWN:
        return False, _("A withdrawn dataset can no longer be changed.")
    if is_data_manager(user, dataset) or (
        getattr(user, "is_authenticated", False) and user.role == Role.AGENCY
    ):
        return True, ""
    return False, _("Only the dataset's data manager or the agency may change it.")


def can_decide_requests(user, dataset: Dataset) -> tuple[bool, str]:
    """The data manager checks requests against the written conditions (000 lines 1871–1873)."""
    if is_data_manager(user, dataset):
        return True, ""
    return False, _("Only the dataset's data manager checks requests.")


def can_view_log(user, dataset: Dataset) -> bool:
    """Grants and downloads are seen by the data manager and, for audit, by the staff."""
    return is_data_manager(user, dataset) or is_staff(user)


def is_platform_manager(user, platform: DataPlatform) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.APPLICANT
        and user.organisation_id
        and user.organisation_id == platform.data_manager_id
    )


def can_manage_platform(user, platform: DataPlatform) -> tuple[bool, str]:
    if is_platform_manager(user, platform) or (
        getattr(user, "is_authenticated", False) and user.role == Role.AGENCY
    ):
        return True, ""
    return False, _("Only the platform's data manager or the agency may do this.")


def can_edit_data_plan(user, award) -> tuple[bool, str]:
    if is_implementer(user, award):
        return True, ""
    return False, _("Only the implementer writes its data management plan.")


def can_view_data_plan(user, award) -> bool:
    return is_implementer(user, award) or is_staff(user)
