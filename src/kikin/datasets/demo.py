"""The demo's research data (the data-platform programs come from their plan files, loaded by
`load_plan`): datasets in each access
level with an approved request, the demo award's data management plan, IP committee and data
platform, GENIAC's first data-use demonstration adoptees, and Materials DX figures.

Organisations, people and figures marked デモ are fictional; the three adoptees and their
summaries are the seed's (001_5b63cb13367a1d27.txt lines 248–256). Safe to run twice: each part
is created once.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from kikin.accounts.models import Organisation, OrganisationCategory, User
from kikin.awards.demo import DEMO_AWARD_CALL
from kikin.awards.models import Award
from kikin.core.timeutil import today_jst
from kikin.rules.fiscal import fiscal_year

from . import services
from .models import (
    AccessLevel,
    DataPlatform,
    Dataset,
    FacilityUse,
    Hub,
    Licence,
    RequestState,
    Tier,
)

DEMO_PLATFORM = "demo-5gcore-ops"
GENIAC_SOURCE = "001_5b63cb13367a1d27.txt"
#: 「協調的なデータ利活用に向けたデータマネジメント・フレームワーク」 (001 lines 4133–4134).
GENIAC_FRAMEWORK = "協調的なデータ利活用に向けたデータマネジメント・フレームワーク"
#: The first call's adoptees (001 lines 248–256): organisation, name in English, summary, line.
GENIAC_ADOPTEES = [
    (
        "ソフトバンク株式会社",
        "SoftBank Corp.",
        "コールセンターでの会話ロールプレイから収集した音声・言語データセットの構築",
        "Building a speech and language dataset collected from call-centre conversation role-play",
        250,
    ),
    (
        "セーフィー株式会社",
        "Safie Inc.",
        "店舗や建設現場等のカメラ映像データを活用するプラットフォームの構築",
        "Building a platform that uses camera video data from shops, construction sites and the like",
        253,
    ),
    (
        "株式会社オー・エル・エム・デジタル",
        "OLM Digital, Inc.",
        "著作権侵害や雇用への影響の声が大きいアニメ分野における生成AI活用事例の創出",
        "Creating cases of generative-AI use in animation, where concerns over copyright and jobs are loud",
        255,
    ),
]
DEMO_CONDITIONS = [
    {
        "text_ja": "研究開発（生成AI基盤モデルの開発・評価を含む）の目的に限り利用すること",
        "text_en": "Use for R&D only (developing and evaluating foundation models included)",
    },
    {
        "text_ja": "データを第三者に再配布しないこと",
        "text_en": "Do not redistribute the data to third parties",
    },
    {
        "text_ja": "成果の公表時に出典としてデータセットの識別子を明記すること",
        "text_en": "Cite the dataset's identifier when publishing results",
    },
]


def _users() -> dict[str, User]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["ministry", "officer", "reviewer", "applicant"])
    }


def _geniac_adoptees(officer: User) -> list[DataPlatform]:
    out = []
    for i, (name_ja, name_en, summary_ja, summary_en, line) in enumerate(GENIAC_ADOPTEES, 1):
        code = f"geniac-data-use-1-{i}"
        existing = DataPlatform.objects.filter(code=code).first()
        if existing:
            out.append(existing)
            continue
        org, _ = Organisation.objects.get_or_create(
            name_ja=name_ja,
            defaults={"name_en": name_en, "category": OrganisationCategory.LARGE},
        )
        out.append(
            services.create_platform(
                actor=officer,
                code=code,
                name_ja=summary_ja,
                name_en=summary_en,
                summary_ja="データ・生成AIの利活用実証 第1回公募採択（有識者の審査を経て採択）",
                summary_en="Data and generative-AI utilisation demonstration, first call (adopted after expert review)",
                data_manager=org,
                framework=GENIAC_FRAMEWORK,
                security_note="データ利用条件を明文化し、条件を満たす利用者に対して公平に提供する。利用者の種別に応じて提供するデータを制約しない。ただし、安全保障に留意（001 4136–4139行）。",
                manager_declares_compliance=True,
                manager_declares_no_foreign_influence=True,
                source=GENIAC_SOURCE,
                seed_line=line,
            )
        )
    return out


def _ended_years(platform: DataPlatform, n: int) -> list[int]:
    """The last `n` fiscal years that have ended by the day the demo is loaded and lie inside
    the platform's program (fewer where the program is younger)."""
    last = fiscal_year(today_jst()) - 1
    program = platform.program
    if program is not None and program.end_date is not None:
        last = min(last, fiscal_year(program.end_date))
    first = fiscal_year(program.start_date) if program is not None and program.start_date else 0
    return [fy for fy in range(last - n + 1, last + 1) if fy >= first]


def _materials_figures(officer: User) -> None:
    """Fictional sites of the Materials DX platform with a few years of uses and data created."""
    # The plan-file platform that declares kinds of site and outcome figures.
    platform = (
        DataPlatform.objects.filter(program__isnull=False, tiers__isnull=False, kpis__isnull=False)
        .distinct()
        .first()
    )
    if platform is None or platform.hubs.exists():
        return
    center = services.add_hub(
        actor=officer,
        platform=platform,
        kind=Tier.CENTER_HUB,
        name_ja="センターハブ（デモ）",
        name_en="Central hub (demo)",
    )
    sites = [center]
    for name, name_en in (("ハブA（デモ）", "Hub A (demo)"), ("ハブB（デモ）", "Hub B (demo)")):
        hub = services.add_hub(
            actor=officer,
            platform=platform,
            kind=Tier.HUB,
            name_ja=name,
            name_en=name_en,
            parent=center,
        )
        sites.append(hub)
        for j in (1, 2):
            sites.append(
                services.add_hub(
                    actor=officer,
                    platform=platform,
                    kind=Tier.SPOKE,
                    name_ja=f"{name[:3]}スポーク{j}（デモ）",
                    name_en=f"{name_en[:5]} spoke {j} (demo)",
                    parent=hub,
                )
            )
    # Uses (industry, academia, government) per site and fiscal year; data items per site: the
    # last four fiscal years that have ended, inside the platform program's life.
    years = _ended_years(platform, 4)
    uses = dict(
        zip(years, [(220, 380, 60), (260, 420, 70), (300, 470, 80), (330, 500, 90)], strict=False)
    )
    created = dict(zip(years, [60_000, 95_000, 130_000, 150_000], strict=False))
    for k, site in enumerate(sites):
        facility = services.add_facility(
            actor=officer,
            hub=site,
            name_ja="電子顕微鏡群（デモ）" if k % 2 == 0 else "半導体加工装置群（デモ）",
            name_en="Electron microscopes (demo)"
            if k % 2 == 0
            else "Semiconductor processing tools (demo)",
            instruments=40 + 5 * k,
        )
        for fy, (ind, aca, pub) in uses.items():
            services.record_facility_uses(
                actor=officer,
                facility=facility,
                fiscal_year=fy,
                uses={"industry": ind - 10 * k, "academia": aca - 10 * k, "public": pub},
            )
        for fy, n in created.items():
            services.record_data_created(
                actor=officer, hub=site, fiscal_year=fy, items=n - 5_000 * k
            )


def _demo_platform(award: Award, users: dict[str, User]) -> DataPlatform:
    platform = DataPlatform.objects.filter(code=DEMO_PLATFORM).first()
    if platform is not None:
        return platform
    officer, applicant, ministry, reviewer = (
        users["officer"],
        users["applicant"],
        users["ministry"],
        users["reviewer"],
    )
    platform = services.create_platform(
        actor=officer,
        code=DEMO_PLATFORM,
        name_ja="５Ｇコア運用データ共有基盤（デモ）",
        name_en="5G core operations data-sharing platform (demo)",
        summary_ja="デモのテーマが収集する５Ｇコアの運用データを、産学で共有する基盤。",
        summary_en="Shares the 5G core operations data the demo theme collects, across industry and academia.",
        data_manager=award.organisation,
        award=award,
        conditions=DEMO_CONDITIONS,
        storage_committed=True,
        storage_commitment="事業期間終了後10年間、データ管理者が自己資金で保管・提供の経費を支出する（デモ）。",
        manager_declares_compliance=True,
        manager_declares_no_foreign_influence=True,
    )
    today = today_jst()
    services.add_platform_member(
        actor=officer,
        platform=platform,
        organisation=award.organisation,
        sector="industry",
        joined_on=award.start_date,
    )
    services.add_platform_member(
        actor=officer,
        platform=platform,
        organisation=reviewer.organisation,
        sector="academia",
        joined_on=award.start_date,
    )
    instruction = services.issue_link_instruction(
        actor=ministry,
        platform=platform,
        issued_on=today - dt.timedelta(days=30),
        other_platform="研究データ基盤（デモ）",
        instruction="メタデータをJPCOARスキーマで相互に提供し、横断検索できるようにすること。",
    )
    services.record_link_consultation(
        actor=applicant,
        instruction=instruction,
        consulted_on=today - dt.timedelta(days=20),
        note="提供範囲と更新頻度を協議した。",
    )
    services.record_link_followed(
        actor=applicant,
        instruction=instruction,
        followed_on=today - dt.timedelta(days=5),
        note="OAI-PMHのjpcoar_2.0形式で提供を開始した。",
    )
    services.record_storage_funding(
        actor=applicant,
        platform=platform,
        fiscal_year=fiscal_year(award.last_day) + 1,
        payer="data_manager",
        amount_yen=12_000_000,
        note="事業期間終了後の初年度（デモ）",
    )
    fb = services.submit_feedback(
        actor=reviewer,
        platform=platform,
        text="障害時のログに時刻のタイムゾーンを付けてほしい。",
    )
    services.answer_feedback(
        actor=applicant, feedback=fb, response="次の版からUTCで時刻を記録します。"
    )
    return platform


DEMO_DATASETS = [
    # (title_ja, title_en, level, licence, file name, contents)
    (
        "５Ｇコア制御信号の遅延測定データ",
        "Latency measurements of 5G core control signalling",
        AccessLevel.OPEN,
        Licence.CC_BY,
        "latency.csv",
        "timestamp_utc,procedure,latency_ms\n{start}T00:00:00Z,registration,12.4\n",
    ),
    (
        "５Ｇコア障害切替ログ（共有）",
        "5G core failover logs (shared)",
        AccessLevel.SHARED,
        Licence.CONDITIONS,
        "failover-logs.csv",
        "timestamp_utc,node,event\n{month_in}T03:00:00Z,amf-1,failover\n",
    ),
    (
        "加入者プロファイル設計資料（非公開）",
        "Subscriber profile design material (closed)",
        AccessLevel.CLOSED,
        Licence.RESERVED,
        "design.csv",
        "item,value\nprofile_fields,42\n",
    ),
    (
        "仮想化コア性能ベンチマーク（公開予定）",
        "Virtualised core performance benchmark (embargoed)",
        AccessLevel.EMBARGOED,
        Licence.CC_BY,
        "benchmark.csv",
        "run,throughput_gbps\n1,98.2\n",
    ),
]


def _demo_datasets(award: Award, platform: DataPlatform, users: dict[str, User]) -> list[Dataset]:
    applicant, reviewer = users["applicant"], users["reviewer"]
    if Dataset.objects.filter(platform=platform).exists():
        return list(Dataset.objects.filter(platform=platform))
    out = []
    for title_ja, title_en, level, licence, name, text in DEMO_DATASETS:
        fields = {
            "title_ja": title_ja,
            "title_en": title_en,
            "description_ja": f"デモのテーマ {award.number} で取得したデータ（架空）。",
            "description_en": f"Data collected by the demo theme {award.number} (fictional).",
            "creators": "応募 次郎 / Jiro Obo / 株式会社デモ基盤モデル",
            "publisher": award.organisation.name_ja,
            "subjects": "5G, コアネットワーク, 運用データ",
            "language": "ja",
            "version": "1.0",
            "access_level": level,
            "licence": licence,
            "embargo_until": today_jst() + dt.timedelta(days=90)
            if level == AccessLevel.EMBARGOED
            else None,
            "conditions": DEMO_CONDITIONS if level == AccessLevel.SHARED else [],
        }
        d = services.create_dataset(actor=applicant, fields=fields, platform=platform, award=award)
        # measured during the work, never after the day the demo is loaded
        measured = {
            "start": award.start_date.isoformat(),
            "month_in": min(award.start_date + dt.timedelta(days=30), today_jst()).isoformat(),
        }
        upload = ContentFile(text.format(**measured).encode(), name=name)
        upload.content_type = "text/csv"
        services.add_file(actor=applicant, dataset=d, uploaded=upload)
        services.publish_dataset(actor=applicant, dataset=d)
        out.append(d)
    shared = next(d for d in out if d.access_level == AccessLevel.SHARED)
    req = services.request_access(
        actor=reviewer,
        dataset=shared,
        purpose="障害切替アルゴリズムの評価（大学の研究）",
        accept_conditions=True,
        declares_compliance=True,
        declares_no_foreign_influence=True,
    )
    services.decide_access_request(
        actor=applicant, request=req, checks={c["code"]: True for c in shared.conditions}
    )
    return out


def _demo_plan(award: Award, users: dict[str, User]) -> None:
    if hasattr(award, "data_plan"):
        return
    applicant = users["applicant"]
    services.submit_data_plan(
        actor=applicant,
        award=award,
        fields={
            "data_description": "５Ｇコアの制御信号の遅延、障害切替のログ、性能ベンチマーク。",
            "data_types": "CSV、PCAP",
            "volume": "年間約2TB",
            "manager_name": "応募 次郎",
            "manager_organisation": award.organisation.name_ja,
            "access_policy": AccessLevel.SHARED,
            "access_policy_note": "加入者情報を含み得るログは条件付きで共有し、集計値は公開する。",
            "retention": "事業終了後10年",
            "publication": "集計値は論文発表時に公開し、ログはデータ基盤で条件付き共有する。",
            "storage": "社内ストレージと共有データ基盤",
            "metadata_standard": "DataCite / JPCOAR",
        },
    )
    if award.form == "contract" and not award.ip_committees.exists():
        committee = services.record_ip_committee(
            actor=applicant,
            award=award,
            scope="",
            established_on=award.start_date,
            members=[
                {"name": "応募 次郎", "affiliation": award.organisation.name_ja, "role": "chair"},
                {
                    "name": "知財 三郎（デモ）",
                    "affiliation": award.organisation.name_ja,
                    "role": "member",
                },
                {"name": "機構 花子", "affiliation": "研究開発機構", "role": "agency"},
            ],
        )
        decision = services.record_ip_decision(
            actor=applicant,
            committee=committee,
            held_on=award.start_date,
            kind="filing",
            summary="障害切替方式について特許出願する。論文発表は出願後とする。",
        )
        services.record_ip_advice(
            actor=users["officer"],
            decision=decision,
            advice="出願前の学会発表を避けること。",
        )


@transaction.atomic
def load_demo_datasets() -> dict[str, int]:
    """Everything above, once; returns how many of each there are."""
    users = _users()
    if len(users) < 4:
        return {}
    officer = users["officer"]
    _geniac_adoptees(officer)
    _materials_figures(officer)
    award = (
        Award.objects.filter(
            organisation=users["applicant"].organisation, call__key=DEMO_AWARD_CALL
        )
        .order_by("start_date")
        .last()
    )
    if award is not None:
        _demo_plan(award, users)
        platform = _demo_platform(award, users)
        _demo_datasets(award, platform, users)
    return {
        "platforms": DataPlatform.objects.count(),
        "datasets": Dataset.objects.count(),
        "approved requests": sum(
            1 for _ in Dataset.objects.filter(requests__state=RequestState.APPROVED)
        ),
        "facility uses": FacilityUse.objects.count(),
        "sites": Hub.objects.count(),
    }
