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


# --------------------------------------------------------------------------------------------
# Staff's changes from the admin (kikin.accounts.admin): each checked, audited, with a reason.


def require_user_admin(actor) -> None:
    """Refuse unless `actor` is staff allowed to change accounts in the admin."""
    if not (
        getattr(actor, "is_active", False)
        and getattr(actor, "is_staff", False)
        and actor.has_perm("accounts.change_user")
    ):
        raise PermissionDenied(_("Only staff who manage accounts may do this."))


def _reason(reason) -> str:
    reason = text(reason, field="reason", max_length=2000)
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the change.")]})
    return reason


def _role_and_organisation(role, organisation) -> tuple[str, Organisation | None]:
    errors = {}
    if role not in Role.values:
        errors["role"] = [_("Choose a role.")]
    elif role == Role.APPLICANT and organisation is None:
        errors["organisation"] = [_("An applicant acts for an organisation: choose it.")]
    if errors:
        raise ValidationError(errors)
    return role, organisation


@transaction.atomic
def change_role(
    *, actor: User, user: User, role: str, organisation: Organisation | None, reason: str = ""
) -> User:
    """Staff change the role a person acts in and the organisation they act for (roles decide
    what anyone may see and do; the organisation decides conflicts of interest and rates)."""
    require_user_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise PermissionDenied(_("No one may change their own role."))
    errors = {}
    for check in (lambda: _reason(reason), lambda: _role_and_organisation(role, organisation)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    reason = _reason(reason)
    new_org = organisation.pk if organisation else None
    if user.role == role and user.organisation_id == new_org:
        raise ValidationError({"role": [_("Nothing changes.")]})
    before = {"role": user.role, "organisation": user.organisation_id}
    user.role, user.organisation = role, organisation
    user.save(update_fields=["role", "organisation"])
    record(
        actor=actor,
        action="accounts.change_role",
        obj=user,
        before=before,
        after={"role": role, "organisation": new_org},
        note=reason,
    )
    return user


@transaction.atomic
def create_account(
    *,
    actor: User,
    username: str,
    password: str,
    display_name: str,
    email: str,
    role: str,
    organisation: Organisation | None = None,
) -> User:
    """Staff open an account for someone who does not sign up on the site: the ministry's and
    the agency's staff, reviewers (applicants register their organisation themselves)."""
    require_user_admin(actor)
    errors, username, email = _validate_user_fields(username, password, email)
    try:
        display_name = text(display_name, field="display_name", max_length=100)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        role, organisation = _role_and_organisation(role, organisation)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user = _save_new_user(
        User(
            username=username,
            role=role,
            organisation=organisation,
            display_name=display_name,
            email=email,
        ),
        password,
    )
    record(
        actor=actor,
        action="accounts.create_account",
        obj=user,
        after={
            "username": username,
            "role": role,
            "organisation": getattr(organisation, "pk", None),
        },
    )
    return user


@transaction.atomic
def update_organisation(
    *,
    actor: User,
    organisation: Organisation,
    name_ja: str,
    name_en: str,
    category: str,
    corporate_number: str,
    country: str,
    has_rd_base_in_japan: bool,
    reason: str = "",
) -> Organisation:
    """Staff correct an organisation's record: its category decides subsidy rates and caps, its
    corporate number conflicts of interest and name matches."""
    require_user_admin(actor)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    fields = ["name_ja", "name_en", "category", "corporate_number", "country"]
    before = {f: getattr(org, f) for f in fields} | {
        "has_rd_base_in_japan": org.has_rd_base_in_japan
    }
    errors = {}
    try:
        reason = _reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    values = {}
    for field, value, length in (
        ("name_ja", name_ja, 200),
        ("name_en", name_en, 200),
        ("corporate_number", corporate_number, 13),
        ("country", country, 2),
    ):
        try:
            values[field] = text(value, field=field, max_length=length)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "name_ja" in values and not values["name_ja"]:
        errors["name_ja"] = [_("Required.")]
    if category not in OrganisationCategory.values:
        errors["category"] = [_("Choose a category.")]
    number = values.get("corporate_number", "")
    if number and not valid_corporate_number(number):
        errors["corporate_number"] = [
            _("A corporate number (法人番号) has 13 digits, the first a check digit.")
        ]
    country = values.get("country", "").upper()
    if "country" in values and not (len(country) == 2 and country.isascii() and country.isalpha()):
        errors["country"] = [_("A two-letter country code (ISO 3166), e.g. JP.")]
    if errors:
        raise ValidationError(errors)
    after = {**values, "country": country, "category": category}
    after["has_rd_base_in_japan"] = bool(has_rd_base_in_japan)
    if after == before:
        raise ValidationError({"category": [_("Nothing changes.")]})
    for field, value in after.items():
        setattr(org, field, value)
    validate_instance(org)
    org.save()
    record(
        actor=actor,
        action="accounts.update_organisation",
        obj=org,
        before=before,
        after=after,
        note=reason,
    )
    return org


@transaction.atomic
def reset_second_factor(*, actor: User, user: User, reason: str = "") -> int:
    """Staff remove a person's second-factor devices (a lost phone): at their next sign-in they
    enrol a new one (kikin.accounts.second_factor). Returns the number of devices removed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require_user_admin(actor)
    if user.pk == actor.pk:
        raise PermissionDenied(_("No one may reset their own second factor."))
    reason = _reason(reason)
    devices = TOTPDevice.objects.select_for_update().filter(user=user)
    names = sorted(devices.values_list("name", flat=True))
    if not names:
        raise ValidationError({"reason": [_("This person has no second-factor device.")]})
    devices.delete()
    record(
        actor=actor,
        action="accounts.reset_second_factor",
        obj=user,
        before={"devices": names},
        note=reason,
    )
    return len(names)
