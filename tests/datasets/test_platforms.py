"""Data platforms: plan files loaded (idempotent), (g4)-style duties, data manager changes never to
an excluded party, storage after the project, the ministry's linking instructions, feedback, and
the Materials DX figures against their KPIs (and on the targets dashboard)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kikin.accounts.models import OrganisationCategory, Role
from kikin.awards import services as awards
from kikin.datasets import selectors, services
from kikin.datasets.models import DataPlatform, Dataset, PlatformKpi
from kikin.programs.models import Program
from kikin.rules.data_platforms import data_platform_plans
from kikin.rules.fiscal import fiscal_year
from tests import factories as f
from tests.clients import BrowserLikeClient as Client

from .helpers import fields

pytestmark = pytest.mark.django_db


def test_the_plan_loader_loads_the_platforms_once(capsys):
    from kikin.audit.models import AuditRecord

    call_command("load_plan")
    assert "materials-dx:" in capsys.readouterr().out
    program = Program.objects.get(code="materials-dx")
    assert program.kind == "data_platform" and program.ministry == "mext"
    assert program.end_date == dt.date(2031, 3, 31) and program.source == "004_f50760bfabd8ff0a.txt"
    assert program.output_target_percent is None  # no fund targets: its own KPIs
    platform = DataPlatform.objects.get(code="materials-dx")
    assert platform.program == program and platform.institutions == 25
    assert platform.tiers.count() == 3 and platform.components.count() == 3
    assert set(PlatformKpi.objects.values_list("metric", "target", "fiscal_year", "seed_line")) == {
        ("facility_uses", 3000, 2022, 190),
        ("data_items_created", 1_000_000, 2025, 191),
    }
    loads = AuditRecord.objects.filter(action="datasets.platform_plan_loaded").count()
    call_command("load_plan")
    assert AuditRecord.objects.filter(action="datasets.platform_plan_loaded").count() == loads
    assert DataPlatform.objects.filter(program__isnull=False).count() == 2


def test_the_loader_takes_an_existing_program_row():
    spec = data_platform_plans()[1]
    program = Program.objects.create(
        code=spec.code,
        title_ja="既存",
        title_en="Existing",
        start_date=dt.date(2022, 4, 1),
        end_date=dt.date(2027, 3, 31),
    )
    platform, counts = services.load_data_platform_plan(spec=spec, program=program)
    assert platform.program == program and counts["program"] == 0
    program.refresh_from_db()
    assert program.title_ja == "既存"  # a program passed in is the caller's


@pytest.fixture
def world(plan):
    p, applicant, ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    academia = f.organisation(category=OrganisationCategory.ACADEMIA)
    platform = services.create_platform(
        actor=agency,
        code="robot-data",
        name_ja="ロボットデータ基盤",
        data_manager=award.organisation,
        award=award,
        conditions="研究開発目的に限る",
        manager_declares_compliance=True,
        manager_declares_no_foreign_influence=True,
    )
    return award, platform, applicant, ministry, agency, academia


def _duties(platform):
    return {d.code: d.met for d in selectors.platform_duties(platform)}


def test_duties_follow_what_is_recorded(world):
    award, platform, applicant, _ministry, agency, academia = world
    assert _duties(platform) == {
        "industry_and_academia": False,
        "link_instructions": True,
        "storage_after_project": False,
        "conditions_written": True,
        "manager_not_excluded": True,
        "feedback_answered": True,
    }
    services.add_platform_member(
        actor=applicant,
        platform=platform,
        organisation=award.organisation,
        sector="industry",
        joined_on=award.start_date,
    )
    services.add_platform_member(
        actor=agency,
        platform=platform,
        organisation=academia,
        sector="academia",
        joined_on=award.start_date,
    )
    with pytest.raises(ValidationError) as exc:
        services.update_platform_terms(
            actor=applicant,
            platform=platform,
            conditions="研究開発目的に限る",
            storage_committed=True,
        )
    assert "storage_commitment" in exc.value.message_dict
    services.update_platform_terms(
        actor=applicant,
        platform=platform,
        conditions="研究開発目的に限る",
        storage_committed=True,
        storage_commitment="事業終了後10年間、自己資金で保管する。",
    )
    assert all(_duties(platform).values())
    user = f.applicant()
    fb = services.submit_feedback(actor=user, platform=platform, text="形式をHDF5にしてほしい")
    assert not _duties(platform)["feedback_answered"]
    with pytest.raises(PermissionDenied):
        services.answer_feedback(actor=user, feedback=fb, response="x")
    services.answer_feedback(actor=applicant, feedback=fb, response="次版で対応します")
    assert _duties(platform)["feedback_answered"]


def test_link_instructions_are_consulted_on_before_they_are_followed(world):
    _award, platform, applicant, ministry, agency, _ = world
    with pytest.raises(PermissionDenied):
        services.issue_link_instruction(
            actor=agency,
            platform=platform,
            issued_on=dt.date(2027, 1, 1),
            other_platform="X",
            instruction="連携せよ",
        )
    item = services.issue_link_instruction(
        actor=ministry,
        platform=platform,
        issued_on=dt.date(2027, 1, 1),
        other_platform="材料データ基盤",
        instruction="メタデータを相互提供すること",
    )
    assert not _duties(platform)["link_instructions"]
    with pytest.raises(ValidationError) as exc:
        services.record_link_followed(
            actor=applicant, instruction=item, followed_on=dt.date(2027, 2, 1), note="対応"
        )
    assert "followed_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.record_link_consultation(
            actor=applicant, instruction=item, consulted_on=dt.date(2026, 12, 1), note="早すぎる"
        )
    services.record_link_consultation(
        actor=applicant, instruction=item, consulted_on=dt.date(2027, 1, 10), note="協議した"
    )
    services.record_link_followed(
        actor=applicant, instruction=item, followed_on=dt.date(2027, 2, 1), note="提供開始"
    )
    assert _duties(platform)["link_instructions"]


def test_the_fund_never_pays_for_storage_after_the_project(world):
    award, platform, applicant, *_ = world
    last = fiscal_year(award.last_day)
    services.record_storage_funding(
        actor=applicant, platform=platform, fiscal_year=last, payer="fund", amount_yen=1_000_000
    )
    with pytest.raises(ValidationError) as exc:
        services.record_storage_funding(
            actor=applicant, platform=platform, fiscal_year=last + 1, payer="fund", amount_yen=1
        )
    assert "payer" in exc.value.message_dict and str(last) in exc.value.message_dict["payer"][0]
    row = services.record_storage_funding(
        actor=applicant,
        platform=platform,
        fiscal_year=last + 1,
        payer="data_manager",
        amount_yen=12_000_000,
    )
    assert row.amount_yen == 12_000_000


def test_the_data_manager_is_never_changed_to_an_excluded_party(world):
    award, platform, applicant, ministry, agency, academia = world
    d = services.create_dataset(actor=applicant, fields=fields("open"), platform=platform)
    bad = f.organisation(country="XX")
    services.record_excluded_party(actor=ministry, organisation=bad, reason="外国の法的環境の影響")
    with pytest.raises(ValidationError) as exc:
        services.change_data_manager(
            actor=agency,
            platform=platform,
            organisation=bad,
            changed_on=dt.date(2030, 4, 1),
            reason="事業終了",
            declares_compliance=True,
            declares_no_foreign_influence=True,
        )
    assert "organisation" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.change_data_manager(
            actor=agency,
            platform=platform,
            organisation=academia,
            changed_on=dt.date(2030, 4, 1),
            reason="事業終了",
            declares_compliance=True,
            declares_no_foreign_influence=False,
        )
    platform.refresh_from_db()
    assert platform.data_manager == award.organisation
    services.change_data_manager(
        actor=agency,
        platform=platform,
        organisation=academia,
        changed_on=dt.date(2030, 4, 1),
        reason="事業終了後の引継ぎ",
        declares_compliance=True,
        declares_no_foreign_influence=True,
    )
    platform.refresh_from_db()
    d.refresh_from_db()
    assert platform.data_manager == academia and d.organisation == academia


def test_only_the_platforms_data_manager_registers_its_datasets(world):
    award, platform, applicant, *_ = world
    with pytest.raises(ValidationError) as exc:
        services.create_dataset(actor=f.applicant(), fields=fields("open"), platform=platform)
    assert "platform" in exc.value.message_dict
    d = services.create_dataset(
        actor=applicant, fields=fields("open"), platform=platform, award=award
    )
    assert d.program == award.call.program and d.organisation == award.organisation
    assert Dataset.objects.count() == 1


@pytest.fixture
def materials(plan):
    agency = f.user(Role.AGENCY)
    platform = DataPlatform.objects.get(code="materials-dx")
    center = services.add_hub(actor=agency, platform=platform, kind="center_hub", name_ja="中心")
    spoke = services.add_hub(
        actor=agency,
        platform=platform,
        kind="spoke",
        name_ja="スポーク",
        parent=center,
        organisation=f.organisation(category=OrganisationCategory.ACADEMIA),
    )
    tem = services.add_facility(actor=agency, hub=center, name_ja="透過電子顕微鏡", instruments=3)
    fab = services.add_facility(actor=agency, hub=spoke, name_ja="露光装置", instruments=2)
    return platform, agency, center, spoke, tem, fab


def test_kpis_count_the_recorded_uses_and_data(materials):
    platform, agency, center, spoke, tem, fab = materials
    services.record_facility_uses(
        actor=agency, facility=tem, fiscal_year=2022, uses={"industry": 1000, "academia": 1500}
    )
    site_staff = f.applicant(spoke.organisation)
    services.record_facility_uses(
        actor=site_staff, facility=fab, fiscal_year=2022, uses={"public": 499}
    )
    with pytest.raises(PermissionDenied):
        services.record_facility_uses(
            actor=f.applicant(), facility=fab, fiscal_year=2022, uses={"public": 1}
        )
    services.record_data_created(actor=agency, hub=center, fiscal_year=2025, items=600_000)
    services.record_data_created(actor=site_staff, hub=spoke, fiscal_year=2025, items=400_000)
    rows = {r.kpi.metric: r for r in selectors.platform_kpis([platform.pk])[0]["rows"]}
    assert (rows["facility_uses"].actual, rows["facility_uses"].meets) == (2999, False)
    assert (rows["data_items_created"].actual, rows["data_items_created"].meets) == (
        1_000_000,
        True,
    )
    services.record_facility_uses(
        actor=agency, facility=fab, fiscal_year=2022, uses={"public": 500}
    )
    rows = {r.kpi.metric: r for r in selectors.platform_kpis([platform.pk])[0]["rows"]}
    assert (rows["facility_uses"].actual, rows["facility_uses"].meets) == (3000, True)
    assert rows["facility_uses"].share_percent == 100


def test_kpis_appear_on_the_targets_dashboard_and_the_public_page(materials):
    _platform, agency, _center, _spoke, tem, _fab = materials
    services.record_facility_uses(
        actor=agency, facility=tem, fiscal_year=2022, uses={"industry": 3210}
    )
    c = Client()
    c.force_login(agency)
    page = c.get("/outcomes/targets/").content.decode()
    assert 'id="kpis-materials-dx"' in page and "3,210" in page and "3,000" in page
    assert "1,000,000" in page
    # The data-platform programs have no themes: they are not among the fund's programs there.
    section = page[page.index("targets-charts") :]
    assert "?program=materials-dx" not in section
    public = Client().get("/outcomes/targets/public/").content.decode()
    assert "3,210" in public


def test_a_spoke_hangs_from_a_hub(materials):
    platform, agency, _center, spoke, *_ = materials
    with pytest.raises(ValidationError) as exc:
        services.add_hub(actor=agency, platform=platform, kind="spoke", name_ja="孫", parent=spoke)
    assert "parent" in exc.value.message_dict
