"""Writes for organisations and their members."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kikin.audit.services import record
from kikin.core.validation import text, validate_instance

from .identity import valid_corporate_number
from .models import Organisation, OrganisationCategory, Role, User


def clean_username(raw) -> str:
    """A user name as it is stored: Unicode NFKC, no space before or after; letters, digits and
    @ . + - _ only. "applicant " and "ＡＰＰＬＩＣＡＮＴ" are the user name "applicant" (and so taken)."""
    name = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not name:
        raise ValidationError({"username": [_("Required.")]})
    if len(name) > 150:
        raise ValidationError({"username": [_("At most 150 characters.")]})
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None
    return name


def _validate_user_fields(
    username: str, password: str, email: str, *, email_required: bool = True
) -> tuple[dict, str, str]:
    """(errors, the user name cleaned, the e-mail address cleaned)."""
    errors = {}
    try:
        username = clean_username(username)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This user name is taken.")]
    email = unicodedata.normalize("NFKC", str(email or "")).strip()
    if email or email_required:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError(_("At most 254 characters."))
        except ValidationError as exc:
            errors["email"] = exc.messages
    if "\x00" in (password or ""):
        errors["password"] = [_("Contains a NUL character, which text may not contain.")]
    else:
        try:
            validate_password(password, User(username=username if "username" not in errors else ""))
        except ValidationError as exc:
            errors["password"] = exc.messages
    return errors, username, email


def _save_new_user(user: User, password: str) -> User:
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same name, registered at the same moment by someone else
        raise ValidationError({"username": [_("This user name is taken.")]}) from None
    return user


@transaction.atomic
def register_organisation(
    *,
    name_ja: str,
    name_en: str,
    category: str,
    corporate_number: str,
    country: str,
    has_rd_base_in_japan: bool,
    username: str,
    password: str,
    display_name: str,
    email: str,
) -> User:
    """An applicant organisation signs up: the organisation and its first member, together or not at all."""
    org = Organisation(
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        category=category,
        corporate_number=corporate_number.strip(),
        country=(country or "JP").strip().upper()[:2],
        has_rd_base_in_japan=has_rd_base_in_japan,
    )
    errors = {}
    try:
        validate_instance(org)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if category not in OrganisationCategory.values:
        errors["category"] = [_("Choose a category.")]
    if (
        org.corporate_number
        and "corporate_number" not in errors
        and not valid_corporate_number(org.corporate_number)
    ):
        errors["corporate_number"] = [
            _("A corporate number (法人番号) has 13 digits, the first a check digit.")
        ]
    user_errors, username, email = _validate_user_fields(username, password, email)
    errors.update(user_errors)
    try:
        display_name = text(display_name, field="display_name", max_length=100)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    org.save()
    user = _save_new_user(
        User(
            username=username,
            role=Role.APPLICANT,
            organisation=org,
            display_name=display_name,
            email=email,
            self_registered=True,
        ),
        password,
    )
    record(
        actor=user,
        action="organisation.register",
        obj=org,
        after={"category": category, "first_member": user.username},
    )
    return user


@transaction.atomic
def add_member(
    *, actor: User, username: str, password: str, display_name: str, email: str = ""
) -> User:
    """A member of an applicant organisation adds a colleague to it."""
    if actor.role != Role.APPLICANT or not actor.organisation_id:
        raise PermissionDenied(_("Only an applicant organisation's members may add members."))
    errors, username, email = _validate_user_fields(username, password, email)
    try:
        display_name = text(display_name, field="display_name", max_length=100)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user = _save_new_user(
        User(
            username=username,
            role=Role.APPLICANT,
            organisation_id=actor.organisation_id,
            display_name=display_name,
            email=email,
            self_registered=True,
        ),
        password,
    )
    record(
        actor=actor,
        action="organisation.add_member",
        obj=actor.organisation,
        after={"member": user.username},
    )
    return user
