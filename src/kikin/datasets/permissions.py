"""Who may see and do what with research data. Each predicate answers an `Answer`
(kikin.core.permissions): (allowed, reason).

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

from kikin.accounts.permissions import is_agency, is_applicant, is_staff_member
from kikin.awards.permissions import is_implementer
from kikin.core.permissions import Answer, allow, deny, predicate

from .models import DataPlatform, Dataset, DatasetState


@predicate
def is_staff(user) -> Answer:
    if is_staff_member(user):
        return allow()
    return deny(_("Only the ministry and the agency may do this."))


@predicate
def is_data_manager(user, dataset: Dataset) -> Answer:
    """The user acts for the dataset's managing organisation (its data manager)."""
    if (
        is_applicant(user)
        and user.organisation_id
        and user.organisation_id == dataset.organisation_id
    ):
        return allow()
    return deny(_("Only the dataset's data manager may do this."))


@predicate
def can_view_dataset(user, dataset: Dataset) -> Answer:
    """Published (and withdrawn, as a tombstone) metadata is public; a draft is its managers' and
    the staff's."""
    if dataset.state != DatasetState.DRAFT:
        return allow()
    if is_data_manager(user, dataset) or is_staff(user):
        return allow()
    return deny(_("Not found."))


@predicate
def can_create_dataset(user) -> Answer:
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in to register a dataset."))
    if is_agency(user):
        return allow()
    if is_applicant(user) and user.organisation_id:
        return allow()
    return deny(_("Datasets are registered by an organisation's applicants or the agency."))


@predicate
def can_edit_dataset(user, dataset: Dataset) -> Answer:
    if dataset.state == DatasetState.WITHDRAWN:
        return deny(_("A withdrawn dataset can no longer be changed."))
    if is_data_manager(user, dataset) or is_agency(user):
        return allow()
    return deny(_("Only the dataset's data manager or the agency may change it."))


@predicate
def can_decide_requests(user, dataset: Dataset) -> Answer:
    """The data manager checks requests against the written conditions (000 lines 1871–1873)."""
    if is_data_manager(user, dataset):
        return allow()
    return deny(_("Only the dataset's data manager checks requests."))


@predicate
def can_view_log(user, dataset: Dataset) -> Answer:
    """Grants and downloads are seen by the data manager and, for audit, by the staff."""
    if is_data_manager(user, dataset) or is_staff(user):
        return allow()
    return deny(_("Only the dataset's data manager and the staff see its log."))


@predicate
def is_platform_manager(user, platform: DataPlatform) -> Answer:
    if (
        is_applicant(user)
        and user.organisation_id
        and user.organisation_id == platform.data_manager_id
    ):
        return allow()
    return deny(_("Only the platform's data manager may do this."))


@predicate
def can_manage_platform(user, platform: DataPlatform) -> Answer:
    if is_platform_manager(user, platform) or is_agency(user):
        return allow()
    return deny(_("Only the platform's data manager or the agency may do this."))


@predicate
def can_list_data_plans(user) -> Answer:
    """The list of data management plans: the implementers (applicants) and the staff."""
    if is_staff(user) or is_applicant(user):
        return allow()
    return deny(_("Data management plans are for the implementers and the staff."))


@predicate
def can_edit_data_plan(user, award) -> Answer:
    if is_implementer(user, award):
        return allow()
    return deny(_("Only the implementer writes its data management plan."))


@predicate
def can_view_data_plan(user, award) -> Answer:
    if is_implementer(user, award) or is_staff(user):
        return allow()
    return deny(_("Only the implementer and the staff read its data management plan."))
