"""Writes for organisations and their members."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kikin.audit.services import record

from .models import Organisation, OrganisationCategory, Role, User


def _validate_user_fields(username: str, password: str, user: User | None = None) -> dict:
    errors = {}
    if not username.strip():
        errors["username"] = [_("Required.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This user name is taken.")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    return errors


@transaction.atomic
def register_organisation(*, name_ja: str, name_en: str, category: str, corporate_number: str, country: str,
                          has_rd_base_in_japan: bool, username: str, password: str, display_name: str, email: str) -> User:
    """An applicant organisation signs up: the organisation and its first member, together or not at all."""
    org = Organisation(name_ja=name_ja.strip(), name_en=name_en.strip(), category=category, corporate_number=corporate_number.strip(),
                       country=(country or "JP").strip().upper()[:2], has_rd_base_in_japan=has_rd_base_in_japan)
    errors = {}
    try:
        org.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if category not in OrganisationCategory.values:
        errors["category"] = [_("Choose a category.")]
    errors.update(_validate_user_fields(username, password))
    if errors:
        raise ValidationError(errors)
    org.save()
    user = User(username=username.strip(), role=Role.APPLICANT, organisation=org, display_name=display_name.strip(), email=email.strip())
    user.set_password(password)
    user.save()
    record(actor=user, action="organisation.register", obj=org, after={"category": category, "first_member": user.username})
    return user


@transaction.atomic
def add_member(*, actor: User, username: str, password: str, display_name: str, email: str = "") -> User:
    """A member of an applicant organisation adds a colleague to it."""
    if actor.role != Role.APPLICANT or not actor.organisation_id:
        raise PermissionDenied(_("Only an applicant organisation's members may add members."))
    errors = _validate_user_fields(username, password)
    if errors:
        raise ValidationError(errors)
    user = User(username=username.strip(), role=Role.APPLICANT, organisation_id=actor.organisation_id,
                display_name=display_name.strip(), email=email.strip())
    user.set_password(password)
    user.save()
    record(actor=actor, action="organisation.add_member", obj=actor.organisation, after={"member": user.username})
    return user
