"""The demo's people: one user per role, and the organisations they act for."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from kikin.audit.services import record

from .models import Organisation, OrganisationCategory, Role, User

DEMO_PASSWORD = "kikin-demo-2026"

DEMO_ORGANISATIONS = [
    # (name_ja, name_en, category, corporate number)
    (
        "経済産業省 商務情報政策局",
        "METI Commerce and Information Policy Bureau",
        OrganisationCategory.OTHER,
        "",
    ),
    (
        "研究開発機構 ポスト５Ｇ推進部",
        "R&D Agency, Post-5G Department",
        OrganisationCategory.OTHER,
        "",
    ),
    (
        "架空大学 情報科学研究科",
        "Fictional University, Graduate School of Informatics",
        OrganisationCategory.ACADEMIA,
        "",
    ),
    ("株式会社デモ基盤モデル", "Demo Foundation Models K.K.", OrganisationCategory.SME, ""),
]

DEMO_USERS = [
    # (username, display name, role, organisation index, is_staff)
    ("ministry", "経産 太郎", Role.MINISTRY, 0, False),
    ("officer", "機構 花子", Role.AGENCY, 1, True),
    ("reviewer", "審査 一郎", Role.REVIEWER, 2, False),
    ("applicant", "応募 次郎", Role.APPLICANT, 3, False),
]


#: The agency's staff manage plans and calls in the admin and may read accounts and the audit trail.
AGENCY_STAFF_GROUP = "agency-staff"


def agency_staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=AGENCY_STAFF_GROUP)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=["programs", "calls"])
        | Q(content_type__app_label__in=["accounts", "audit"], codename__startswith="view_")
    )
    group.permissions.set(perms)
    return group


@transaction.atomic
def load_demo_users() -> list[User]:
    """Create or refresh the demo users; safe to run twice. Passwords are reset to DEMO_PASSWORD."""
    orgs = []
    for name_ja, name_en, category, number in DEMO_ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            name_ja=name_ja,
            defaults={"name_en": name_en, "category": category, "corporate_number": number},
        )
        orgs.append(org)
    users = []
    for username, display, role, org_index, is_staff in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        user.display_name = display
        user.role = role
        user.organisation = orgs[org_index]
        user.is_staff = is_staff
        # Demo accounts sign in without a second factor where the settings allow demo accounts
        # (KIKIN_DEMO_ACCOUNTS: `make demo`), never in production.
        user.second_factor_exempt = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        if is_staff:
            user.groups.add(agency_staff_group())
        if created:
            record(actor=None, action="user.create_demo", obj=user, after={"role": role})
        users.append(user)
    return users
