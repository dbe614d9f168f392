"""The demo's people: one user per role, and the organisations they act for."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from kikin.audit.services import record
from kikin.programs.demo import demo_theme

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
    _demo_reviewer_profile(users[2])
    return users


def _demo_reviewer_profile(reviewer: User) -> None:
    from kikin.review.models import ReviewerProfile

    ReviewerProfile.objects.get_or_create(
        user=reviewer,
        defaults={
            "keywords": "コアネットワーク, クラウド, 5G, 大規模言語モデル, foundation models",
            "profile": "移動通信のコアネットワークと生成AI基盤モデルの研究。",
        },
    )


def load_demo_call():
    """A call open now, so that the demo's applicant can propose (marked as demo data)."""
    import datetime as dt

    from kikin.calls.models import Call
    from kikin.core.timeutil import jst_end_of, jst_start_of, today_jst
    from kikin.programs.models import Program

    program = Program.objects.filter(code="post5g").first()
    if program is None:
        return None
    today = today_jst()
    call, _created = Call.objects.update_or_create(
        program=program,
        key="demo",
        defaults={
            "title_ja": "デモ公募（ポスト５Ｇ・人材育成）",
            "title_en": "Demo call (post-5G, human resources)",
            "opens_at": jst_start_of(today - dt.timedelta(days=7)),
            "closes_at": jst_end_of(today + dt.timedelta(days=30)),
            "budget_total_yen": 20_000_000_000,
            "is_demo": True,
            "note_ja": "デモ用の架空の公募です。",
            "note_en": "A fictional call for the demo.",
        },
    )
    call.themes.set(
        [demo_theme("refund_contract"), demo_theme("grant"), demo_theme("human_resources")]
    )
    return call
