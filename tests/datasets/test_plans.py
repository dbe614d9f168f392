"""Data management plans (versioned, asked for at award, shown at each stage gate) and IP
committees of contract themes (000 lines 5337–5359)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kikin.awards import services as awards
from kikin.datasets import services
from kikin.datasets.models import DataManagementPlanVersion, IPCommittee
from tests import factories as f
from tests.clients import BrowserLikeClient as Client

pytestmark = pytest.mark.django_db

PLAN = {
    "data_description": "走行ロボットのセンサーデータ",
    "manager_name": "研究 太郎",
    "manager_organisation": "試験株式会社",
    "access_policy": "shared",
    "retention": "事業終了後10年",
    "publication": "論文発表時に公開",
}


@pytest.fixture
def contract(plan):
    p, applicant, _ministry, agency = f.adopted(plan)
    return awards.create_award(actor=agency, proposal=p), applicant, agency


def test_the_plan_is_versioned_and_never_edited(contract):
    award, applicant, _agency = contract
    v1 = services.submit_data_plan(actor=applicant, award=award, fields=PLAN)
    with pytest.raises(ValidationError) as exc:
        services.submit_data_plan(
            actor=applicant, award=award, fields=PLAN | {"access_policy": "open"}
        )
    assert "change_note" in exc.value.message_dict
    v2 = services.submit_data_plan(
        actor=applicant,
        award=award,
        fields=PLAN | {"access_policy": "open"},
        change_note="公開に変更",
    )
    assert (v1.number, v2.number) == (1, 2)
    assert list(award.data_plan.versions.values_list("access_policy", flat=True)) == [
        "shared",
        "open",
    ]


@pytest.mark.parametrize(
    "missing", ["data_description", "manager_name", "retention", "publication"]
)
def test_a_required_field_is_named(contract, missing):
    award, applicant, _ = contract
    with pytest.raises(ValidationError) as exc:
        services.submit_data_plan(actor=applicant, award=award, fields=PLAN | {missing: " "})
    assert list(exc.value.message_dict) == [missing]
    assert not DataManagementPlanVersion.objects.exists()


def test_only_the_implementer_writes_the_plan(contract):
    award, _applicant, agency = contract
    for who in (agency, f.applicant()):
        with pytest.raises(PermissionDenied):
            services.submit_data_plan(actor=who, award=award, fields=PLAN)


def test_each_stage_gate_shows_the_version_in_force_then(contract):
    award, applicant, _agency = contract
    from kikin.datasets.selectors import plan_at_gates

    gate = award.gate_reviews.get()
    assert plan_at_gates(award)[0]["version"] is None
    v1 = services.submit_data_plan(actor=applicant, award=award, fields=PLAN)
    v2 = services.submit_data_plan(actor=applicant, award=award, fields=PLAN, change_note="更新")
    # v2 was filed after the gate: the gate sees v1.
    DataManagementPlanVersion.objects.filter(pk=v1.pk).update(
        submitted_at=timezone.make_aware(dt.datetime.combine(gate.scheduled_for, dt.time(9)))
        - dt.timedelta(days=30)
    )
    DataManagementPlanVersion.objects.filter(pk=v2.pk).update(
        submitted_at=timezone.make_aware(dt.datetime.combine(gate.scheduled_for, dt.time(9)))
        + dt.timedelta(days=1)
    )
    assert plan_at_gates(award)[0]["version"].number == 1


def test_the_award_page_asks_for_the_plan_then_shows_it(contract):
    award, applicant, agency = contract
    c = Client()
    c.force_login(applicant)
    page = c.get(f"/awards/{award.pk}/").content.decode()
    assert 'id="research-data"' in page and f"/datasets/awards/{award.pk}/" in page
    assert "tag overdue" in page[page.index('id="research-data"') :][:800]
    services.submit_data_plan(actor=applicant, award=award, fields=PLAN)
    page = c.get(f"/awards/{award.pk}/").content.decode()
    panel = page[page.index('id="research-data"') :][:1500]
    assert "tag overdue" not in panel.split("<ul")[0]
    other = Client()
    other.force_login(f.applicant())
    assert other.get(f"/datasets/awards/{award.pk}/").status_code == 404
    staff = Client()
    staff.force_login(agency)
    assert "走行ロボット" in staff.get(f"/datasets/awards/{award.pk}/").content.decode()


def test_the_plan_form_names_a_missing_field_by_its_label(contract):
    award, applicant, _ = contract
    c = Client()
    c.force_login(applicant)
    data = {"action": "plan", **PLAN, "retention": ""}
    page = c.post(f"/datasets/awards/{award.pk}/", data).content.decode()
    assert "Retention" in page or "保存期間" in page
    assert not DataManagementPlanVersion.objects.exists()
    c.post(f"/datasets/awards/{award.pk}/", {"action": "plan", **PLAN})
    assert DataManagementPlanVersion.objects.count() == 1


def test_an_ip_committee_for_a_contract_theme_with_members_and_decisions(contract):
    award, applicant, agency = contract
    committee = services.record_ip_committee(
        actor=applicant,
        award=award,
        scope="",
        established_on=award.start_date,
        members=[
            {"name": "知財 花子", "affiliation": "試験株式会社", "role": "chair"},
            {"name": "機構 一郎", "affiliation": "機構", "role": "agency"},
        ],
    )
    assert committee.members.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.record_ip_committee(
            actor=applicant, award=award, scope="", established_on=award.start_date
        )
    assert "scope" in exc.value.message_dict
    item = services.record_ip_committee(
        actor=applicant, award=award, scope="研究開発項目①", established_on=award.start_date
    )
    decision = services.record_ip_decision(
        actor=applicant,
        committee=item,
        held_on=award.start_date,
        kind="publication",
        summary="論文投稿を承認",
    )
    with pytest.raises(PermissionDenied):
        services.record_ip_advice(actor=applicant, decision=decision, advice="x")
    services.record_ip_advice(actor=agency, decision=decision, advice="出願を先に")
    decision.refresh_from_db()
    assert decision.agency_advice == "出願を先に"
    assert IPCommittee.objects.filter(award=award).count() == 2


def test_a_grant_theme_sets_up_no_ip_committee(plan):
    p, applicant, _m, agency = f.adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(1_000_000_000, 1_000_000_000),
    )
    award = awards.create_award(actor=agency, proposal=p)
    with pytest.raises(ValidationError) as exc:
        services.record_ip_committee(
            actor=applicant, award=award, scope="", established_on=award.start_date
        )
    assert "award" in exc.value.message_dict


def test_the_plan_list_puts_missing_plans_first(contract, plan):
    award, applicant, agency = contract
    p2, _applicant2, _m, agency2 = f.adopted(plan, title="別の案件")
    other = awards.create_award(actor=agency2, proposal=p2)
    services.submit_data_plan(actor=applicant, award=award, fields=PLAN)
    c = Client()
    c.force_login(agency)
    page = c.get("/datasets/plans/").content.decode()
    assert page.index(other.number) < page.index(award.number)
    mine = Client()
    mine.force_login(applicant)
    page = mine.get("/datasets/plans/").content.decode()
    assert award.number in page and other.number not in page


def test_a_theme_declared_to_build_a_data_platform_is_asked_for_it(plan):
    """(g4)'s plan declares the `data_platform` mode: its award's pages say so, and the agency
    records the platform, its data manager screened like any other."""
    from kikin.datasets.models import DataPlatform
    from kikin.datasets.selectors import platform_modes

    p, applicant, _m, agency = f.adopted(plan, "1-g4", set_value=None)
    award = awards.create_award(actor=agency, proposal=p)
    assert platform_modes(award) == ("data_platform",)
    c = Client()
    c.force_login(applicant)
    panel = c.get(f"/awards/{award.pk}/").content.decode()
    assert 'id="theme-platform"' in panel
    staff = Client()
    staff.force_login(agency)
    data = {"action": "platform", "code": "robot-data", "name_ja": "ロボットデータ基盤"}
    staff.post(f"/datasets/awards/{award.pk}/", data)
    assert not DataPlatform.objects.filter(code="robot-data").exists()  # declarations missing
    staff.post(
        f"/datasets/awards/{award.pk}/",
        data | {"declares_compliance": "on", "declares_no_foreign_influence": "on"},
    )
    platform = DataPlatform.objects.get(code="robot-data")
    assert platform.award == award and platform.data_manager == award.organisation


def test_a_theme_without_the_mode_has_no_platform_panel(contract):
    award, applicant, _ = contract
    from kikin.datasets.selectors import platform_modes

    assert platform_modes(award) == ()
    c = Client()
    c.force_login(applicant)
    assert 'id="theme-platform"' not in c.get(f"/awards/{award.pk}/").content.decode()
