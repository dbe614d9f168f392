"""Writes of research data. Each function: keyword-only arguments, one transaction, a role check,
an audit record (`kikin.audit.services.record`); a refusal is a ValidationError naming the field
(or PermissionDenied), and nothing is saved.

Rules enforced here, each refusal naming its rule:
- a data management plan is the implementer's, versioned (a new version each time, never an
  edit); an IP committee is set up only for a contract theme (000 lines 5350–5352);
- a dataset's access level is one its platform allows; an embargoed dataset has a future date
  and a licence it opens under; shared data has written conditions; open data an open licence;
- a file's SHA-256 is computed on upload and must equal the one given; external files are
  fetched to verify them only from hosts the deployment allows;
- a request for shared data is decided from the data manager's check of each written condition
  and the exclusion rule alone (`kikin.rules.data_access.decide_request`): no other discretion,
  and nothing about the kind of user (000 lines 1871–1880; 001 lines 4136–4139);
- every grant, refusal and download is in the append-only `AccessEvent` log;
- a platform's data manager is never changed to an excluded party (000 line 1881); the fund
  never pays for storage after the project (lines 1864–1870); the ministry's instructions on
  linking are consulted on before they are followed (lines 1861–1863).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kikin.accounts.models import Organisation, Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.awards.models import Award
from kikin.core import timeutil
from kikin.core.timeutil import today_jst
from kikin.programs.models import Program
from kikin.rules import data_access as access_rules
from kikin.rules import data_management as dm_rules
from kikin.rules.data_platforms import DataPlatformSpec
from kikin.rules.errors import RuleError
from kikin.rules.fiscal import fiscal_year

from . import conf, pid, search
from .models import (
    AccessEvent,
    AccessLevel,
    AccessRequest,
    ChecksumCheck,
    CheckTrigger,
    CommitteeRole,
    DataCreation,
    DataManagementPlan,
    DataManagementPlanVersion,
    DataManagerChange,
    DataPlatform,
    Dataset,
    DatasetFile,
    DatasetState,
    EventKind,
    ExcludedParty,
    FacilityUse,
    Feedback,
    FileStatus,
    Hub,
    InstructionState,
    IPCommittee,
    IPCommitteeDecision,
    IPCommitteeMember,
    IPDecisionKind,
    Licence,
    LinkInstruction,
    Payer,
    PlatformComponent,
    PlatformKpi,
    PlatformMember,
    PlatformTier,
    RequestState,
    Sector,
    SharedFacility,
    StorageFunding,
    Tier,
)
from .permissions import (
    can_create_dataset,
    can_decide_requests,
    can_edit_data_plan,
    can_edit_dataset,
    can_manage_platform,
    is_data_manager,
)
from .workflow import ACCESS_REQUEST, DATASET, LINK_INSTRUCTION

OPEN_LICENCES = {Licence.CC_BY, Licence.CC0, Licence.CC_BY_SA, Licence.CC_BY_NC, Licence.ODBL}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
READ_CHUNK = 1024 * 1024


def _require(check: tuple[bool, str]) -> None:
    allowed, reason = check
    if not allowed:
        raise PermissionDenied(reason)


def _text(fields: dict, name: str, *, required: bool = False, max_length: int | None = None):
    value = fields.get(name, "")
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationError({name: _("This field is required.")})
    if max_length and len(value) > max_length:
        raise ValidationError({name: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _date(value, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({name: _("Give a date as YYYY-MM-DD.")}) from None


def _whole(value, name: str, *, minimum: int = 0) -> int:
    try:
        n = int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        raise ValidationError({name: _("A whole number.")}) from None
    if n < minimum:
        raise ValidationError({name: _("At least %(n)s.") % {"n": minimum}})
    return n


# ---------------------------------------------------------------------------------------------
# Data management plans and IP committees

PLAN_REQUIRED = (
    "data_description",
    "manager_name",
    "manager_organisation",
    "access_policy",
    "retention",
    "publication",
)
PLAN_FIELDS = (
    *PLAN_REQUIRED,
    "data_types",
    "volume",
    "access_policy_note",
    "storage",
    "metadata_standard",
)


@transaction.atomic
def submit_data_plan(*, actor, award: Award, fields: dict, change_note: str = ""):
    """A new version of the award's data management plan (the first one creates the plan).

    Side effects: the plan (first time), one version, one audit record."""
    _require(can_edit_data_plan(actor, award))
    values = {}
    for name in PLAN_FIELDS:
        field = DataManagementPlanVersion._meta.get_field(name)
        values[name] = _text(
            fields, name, required=name in PLAN_REQUIRED, max_length=field.max_length
        )
    if values["access_policy"] not in AccessLevel.values:
        raise ValidationError({"access_policy": _("Choose one of the access levels.")})
    plan, _created = DataManagementPlan.objects.select_for_update().get_or_create(award=award)
    last = plan.versions.aggregate(n=Max("number"))["n"] or 0
    if last and not change_note.strip():
        raise ValidationError({"change_note": _("Say what changed in this version.")})
    version = DataManagementPlanVersion.objects.create(
        plan=plan,
        number=last + 1,
        change_note=change_note.strip()[:300],
        submitted_by=actor,
        submitted_at=timeutil.now(),
        **values,
    )
    record(
        actor=actor,
        action="datasets.plan_submitted",
        obj=version,
        after={"award": award.number, "version": version.number, **values},
    )
    return version


def _committee_award_check(actor, award: Award) -> None:
    _require(can_edit_data_plan(actor, award))
    if not dm_rules.ip_committee_required(award.form):
        raise ValidationError(
            {
                "award": _(
                    "An IP committee is set up for a theme carried out by contract; this award is a grant (basic plan, IP and data of the results)."
                )
            }
        )


@transaction.atomic
def record_ip_committee(
    *, actor, award: Award, scope: str, established_on, members: Iterable[dict] = ()
) -> IPCommittee:
    """The IP committee of a contract theme, or of one research item in it, with its members.

    Side effects: the committee, its members, one audit record."""
    _committee_award_check(actor, award)
    scope = (scope or "").strip()[:200]
    established_on = _date(established_on, "established_on")
    if IPCommittee.objects.filter(award=award, scope=scope).exists():
        raise ValidationError(
            {"scope": _("This theme or research item already has its IP committee.")}
        )
    committee = IPCommittee.objects.create(
        award=award, scope=scope, established_on=established_on, created_by=actor
    )
    for m in members:
        _add_member(committee, m, established_on)
    record(
        actor=actor,
        action="datasets.ip_committee_set_up",
        obj=committee,
        after={"award": award.number, "scope": scope, "members": len(list(members))},
    )
    return committee


def _add_member(committee: IPCommittee, member: dict, default_day) -> IPCommitteeMember:
    name = _text(member, "name", required=True, max_length=100)
    affiliation = _text(member, "affiliation", required=True, max_length=200)
    role = member.get("role") or CommitteeRole.MEMBER
    if role not in CommitteeRole.values:
        raise ValidationError({"role": _("Choose chair, member or agency.")})
    joined = _date(member.get("joined_on") or default_day, "joined_on")
    return IPCommitteeMember.objects.create(
        committee=committee, name=name, affiliation=affiliation, role=role, joined_on=joined
    )


@transaction.atomic
def add_ip_committee_member(*, actor, committee: IPCommittee, member: dict) -> IPCommitteeMember:
    _committee_award_check(actor, committee.award)
    m = _add_member(committee, member, today_jst())
    record(
        actor=actor,
        action="datasets.ip_member_added",
        obj=committee,
        after={"name": m.name, "affiliation": m.affiliation, "role": m.role},
    )
    return m


@transaction.atomic
def record_ip_decision(
    *, actor, committee: IPCommittee, held_on, kind: str, summary: str
) -> IPCommitteeDecision:
    """A decision of the committee (publication, filing, keeping rights, licensing, 5353–5356)."""
    _committee_award_check(actor, committee.award)
    if kind not in IPDecisionKind.values:
        raise ValidationError({"kind": _("Choose what the decision is about.")})
    summary = _text({"summary": summary}, "summary", required=True)
    decision = IPCommitteeDecision.objects.create(
        committee=committee,
        held_on=_date(held_on, "held_on"),
        kind=kind,
        summary=summary,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="datasets.ip_decision_recorded",
        obj=decision,
        after={"kind": kind, "held_on": decision.held_on.isoformat(), "summary": summary},
    )
    return decision


@transaction.atomic
def record_ip_advice(*, actor, decision: IPCommitteeDecision, advice: str) -> IPCommitteeDecision:
    """The agency's advice and guidance on a decision (NEDOが助言・指導を行う, line 5356)."""
    require_role(actor, Role.AGENCY)
    advice = _text({"agency_advice": advice}, "agency_advice", required=True)
    before = decision.agency_advice
    decision.agency_advice = advice
    decision.save(update_fields=["agency_advice"])
    record(
        actor=actor,
        action="datasets.ip_advice",
        obj=decision,
        before={"agency_advice": before},
        after={"agency_advice": advice},
    )
    return decision


# ---------------------------------------------------------------------------------------------
# Data platforms


@transaction.atomic
def load_data_platform_plan(
    *, spec: DataPlatformSpec, program: Program | None = None, actor=None
) -> tuple[DataPlatform, dict[str, int]]:
    """Copy a plan file of kind data_platform into the database: the program (got or created by
    its code), its platform (code = the program's), the kinds of site, components and KPIs.

    Idempotent: a second run changes nothing. Side effect: one audit record when anything was
    created or changed."""
    info = spec.program
    counts = {"program": 0, "platform": 0, "tiers": 0, "components": 0, "kpis": 0, "updated": 0}
    program_values = {
        "kind": info.kind,
        "ministry": info.ministry,
        "title_ja": info.title_ja,
        "title_en": info.title_en,
        "purpose_ja": info.purpose_ja,
        "purpose_en": info.purpose_en,
        "start_date": info.start_date,
        "end_date": info.end_date,
        "source": info.source,
    }
    if program is None:
        program, created = Program.objects.get_or_create(code=info.code, defaults=program_values)
        counts["program"] += int(created)
        if not created:
            _update(program, program_values, counts)

    def upsert(model, lookup: dict, values: dict, kind: str):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            counts[kind] += 1
            return model.objects.create(**lookup, **values)
        _update(obj, values, counts)
        return obj

    terms = spec.platform
    platform = upsert(
        DataPlatform,
        {"code": info.code},
        {
            "name_ja": info.title_ja,
            "name_en": info.title_en,
            "summary_ja": info.purpose_ja,
            "summary_en": info.purpose_en,
            "program": program,
            "access_levels": list(terms.access_levels),
            "functions": list(terms.functions),
            "secure_analysis": terms.secure_analysis,
            "instruments_min": terms.instruments_min,
            "support_staff": terms.support_staff,
            "institutions": terms.institutions,
            "source": info.source,
            "seed_line": terms.line,
        },
        "platform",
    )
    for t in spec.tiers:
        upsert(
            PlatformTier,
            {"platform": platform, "kind": t.kind},
            {"count": t.count, "seed_line": t.line},
            "tiers",
        )
    for c in spec.components:
        upsert(
            PlatformComponent,
            {"platform": platform, "code": c.code},
            {"title_ja": c.title_ja, "title_en": c.title_en, "role": c.role, "seed_line": c.line},
            "components",
        )
    for k in spec.kpis:
        upsert(
            PlatformKpi,
            {"platform": platform, "metric": k.metric, "fiscal_year": k.fiscal_year},
            {
                "title_ja": k.title_ja,
                "title_en": k.title_en,
                "target": k.target,
                "comparison": k.comparison,
                "period_ja": k.period_ja,
                "period_en": k.period_en,
                "seed_line": k.line,
            },
            "kpis",
        )
    if any(counts.values()):
        record(actor=actor, action="datasets.platform_plan_loaded", obj=platform, after=counts)
    return platform, counts


def _update(obj, values: dict, counts: dict) -> None:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        counts["updated"] += 1


def _conditions(raw, name: str = "conditions") -> list[dict]:
    """Written conditions from text (one per line) or a list of dicts; each gets a stable code."""
    if isinstance(raw, str):
        items = [{"text_ja": line.strip()} for line in raw.splitlines() if line.strip()]
    else:
        items = [dict(c) for c in raw or []]
    out = []
    for i, c in enumerate(items, 1):
        text_ja = str(c.get("text_ja", "")).strip()
        if not text_ja:
            raise ValidationError({name: _("Condition %(n)s has no text.") % {"n": i}})
        out.append(
            {
                "code": str(c.get("code") or f"c{i}"),
                "text_ja": text_ja[:1000],
                "text_en": str(c.get("text_en", "")).strip()[:1000],
            }
        )
    codes = [c["code"] for c in out]
    if len(set(codes)) != len(codes):
        raise ValidationError({name: _("Two conditions have the same code.")})
    return out


def _screening_of_org(organisation: Organisation | None, *, compliance: bool, no_foreign: bool):
    on_register = (
        bool(organisation) and active_exclusions().filter(organisation=organisation).exists()
    )
    return access_rules.Screening(
        on_register=on_register,
        declares_compliance=compliance,
        declares_no_foreign_influence=no_foreign,
    )


@transaction.atomic
def create_platform(
    *,
    actor,
    code: str,
    name_ja: str,
    name_en: str = "",
    summary_ja: str = "",
    summary_en: str = "",
    data_manager: Organisation,
    award: Award | None = None,
    program: Program | None = None,
    conditions=(),
    storage_committed: bool = False,
    storage_commitment: str = "",
    framework: str = "",
    security_note: str = "",
    manager_declares_compliance: bool = False,
    manager_declares_no_foreign_influence: bool = False,
    source: str = "",
    seed_line: int | None = None,
) -> DataPlatform:
    """A data platform of a theme (linked to its award) or of a data-use demonstration, with its
    data manager screened like any later one (000 line 1881). Agency only."""
    require_role(actor, Role.AGENCY)
    code = _text({"code": code}, "code", required=True, max_length=40)
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        raise ValidationError({"code": _("Letters, digits, - and _ only.")})
    if DataPlatform.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A platform with this code exists.")})
    outcome = access_rules.may_become_data_manager(
        _screening_of_org(
            data_manager,
            compliance=manager_declares_compliance,
            no_foreign=manager_declares_no_foreign_influence,
        )
    )
    if not outcome.allowed:
        raise ValidationError({"data_manager": exclusion_message(outcome.details)})
    platform = DataPlatform.objects.create(
        code=code,
        name_ja=_text({"name_ja": name_ja}, "name_ja", required=True, max_length=300),
        name_en=(name_en or "").strip()[:300],
        summary_ja=summary_ja or "",
        summary_en=summary_en or "",
        data_manager=data_manager,
        award=award,
        program=program or (award.call.program if award else None),
        conditions=_conditions(conditions),
        access_levels=list(AccessLevel.values),
        storage_committed=storage_committed,
        storage_commitment=storage_commitment or "",
        framework=(framework or "")[:300],
        security_note=security_note or "",
        source=source,
        seed_line=seed_line,
    )
    record(
        actor=actor,
        action="datasets.platform_created",
        obj=platform,
        after={"code": code, "data_manager": data_manager.pk, "award": award.pk if award else None},
    )
    return platform


@transaction.atomic
def update_platform_terms(
    *,
    actor,
    platform: DataPlatform,
    conditions,
    storage_committed: bool,
    storage_commitment: str = "",
    framework: str = "",
    security_note: str = "",
) -> DataPlatform:
    """The platform's written conditions (the default of its datasets), the data manager's
    commitment to pay for storage after the project, the framework and security notes."""
    _require(can_manage_platform(actor, platform))
    before = {
        "conditions": platform.conditions,
        "storage_committed": platform.storage_committed,
        "storage_commitment": platform.storage_commitment,
    }
    platform.conditions = _conditions(conditions)
    platform.storage_committed = bool(storage_committed)
    platform.storage_commitment = storage_commitment or ""
    if storage_committed and not platform.storage_commitment.strip():
        raise ValidationError(
            {
                "storage_commitment": _(
                    "Say how the data manager pays for storage after the project."
                )
            }
        )
    platform.framework = (framework or "")[:300]
    platform.security_note = security_note or ""
    platform.save()
    record(
        actor=actor,
        action="datasets.platform_terms",
        obj=platform,
        before=before,
        after={
            "conditions": platform.conditions,
            "storage_committed": platform.storage_committed,
            "storage_commitment": platform.storage_commitment,
        },
    )
    return platform


@transaction.atomic
def add_platform_member(
    *, actor, platform: DataPlatform, organisation: Organisation, sector: str, joined_on
) -> PlatformMember:
    _require(can_manage_platform(actor, platform))
    if sector not in Sector.values:
        raise ValidationError({"sector": _("Choose industry, academia or government.")})
    if PlatformMember.objects.filter(platform=platform, organisation=organisation).exists():
        raise ValidationError({"organisation": _("This organisation already takes part.")})
    member = PlatformMember.objects.create(
        platform=platform,
        organisation=organisation,
        sector=sector,
        joined_on=_date(joined_on, "joined_on"),
    )
    record(
        actor=actor,
        action="datasets.platform_member_added",
        obj=platform,
        after={"organisation": organisation.pk, "sector": sector},
    )
    return member


@transaction.atomic
def change_data_manager(
    *,
    actor,
    platform: DataPlatform,
    organisation: Organisation,
    changed_on,
    reason: str,
    declares_compliance: bool,
    declares_no_foreign_influence: bool,
) -> DataManagerChange:
    """Hand the platform (and its datasets) to a new data manager; never to an excluded party
    (事業期間終了後、データ管理者を国際基準不遵守等事業者に変更しないこと, 000 line 1881). Agency only."""
    require_role(actor, Role.AGENCY)
    platform = DataPlatform.objects.select_for_update().get(pk=platform.pk)
    reason = _text({"reason": reason}, "reason", required=True)
    if organisation.pk == platform.data_manager_id:
        raise ValidationError({"organisation": _("This organisation is already the data manager.")})
    outcome = access_rules.may_become_data_manager(
        _screening_of_org(
            organisation,
            compliance=declares_compliance,
            no_foreign=declares_no_foreign_influence,
        )
    )
    if not outcome.allowed:
        raise ValidationError({"organisation": exclusion_message(outcome.details)})
    change = DataManagerChange.objects.create(
        platform=platform,
        previous_id=platform.data_manager_id,
        new=organisation,
        changed_on=_date(changed_on, "changed_on"),
        reason=reason,
        changed_by=actor,
    )
    previous = platform.data_manager_id
    platform.data_manager = organisation
    platform.save(update_fields=["data_manager"])
    now = timeutil.now()
    moved = list(platform.datasets.all())
    for d in moved:
        d.organisation = organisation
        d.modified_at = now
        d.save(update_fields=["organisation", "modified_at"])
        search.index_dataset(d)
    record(
        actor=actor,
        action="datasets.data_manager_changed",
        obj=platform,
        before={"data_manager": previous},
        after={"data_manager": organisation.pk, "reason": reason, "datasets": len(moved)},
    )
    return change


@transaction.atomic
def issue_link_instruction(
    *, actor, platform: DataPlatform, issued_on, other_platform: str, instruction: str
) -> LinkInstruction:
    """The ministry's instruction on linking with another platform (000 lines 1861–1863)."""
    require_role(actor, Role.MINISTRY)
    item = LinkInstruction.objects.create(
        platform=platform,
        issued_on=_date(issued_on, "issued_on"),
        other_platform=_text(
            {"other_platform": other_platform}, "other_platform", required=True, max_length=300
        ),
        instruction=_text({"instruction": instruction}, "instruction", required=True),
        issued_by=actor,
    )
    record(
        actor=actor,
        action="datasets.link_instruction_issued",
        obj=item,
        after={"platform": platform.code, "other_platform": item.other_platform},
    )
    return item


@transaction.atomic
def record_link_consultation(
    *, actor, instruction: LinkInstruction, consulted_on, note: str
) -> LinkInstruction:
    """The data manager's consultation with the ministry on an instruction (協議の上)."""
    _require(can_manage_platform(actor, instruction.platform))
    item = LinkInstruction.objects.select_for_update().get(pk=instruction.pk)
    if item.state != InstructionState.ISSUED:
        raise ValidationError({"consulted_on": _("The consultation is already recorded.")})
    day = _date(consulted_on, "consulted_on")
    if day < item.issued_on:
        raise ValidationError({"consulted_on": _("Not before the instruction was issued.")})
    return LINK_INSTRUCTION.apply(
        item,
        "consult",
        actor,
        also={
            "consulted_on": day,
            "consultation_note": _text({"note": note}, "note", required=True),
        },
        extra={"on": day.isoformat()},
    )


@transaction.atomic
def record_link_followed(
    *, actor, instruction: LinkInstruction, followed_on, note: str
) -> LinkInstruction:
    """The instruction followed, after the consultation (その指示に従うこと)."""
    _require(can_manage_platform(actor, instruction.platform))
    item = LinkInstruction.objects.select_for_update().get(pk=instruction.pk)
    if item.state != InstructionState.CONSULTED:
        raise ValidationError(
            {
                "followed_on": _(
                    "Record the consultation with the ministry first: instructions are followed after consultation."
                )
            }
        )
    day = _date(followed_on, "followed_on")
    if day < item.consulted_on:
        raise ValidationError({"followed_on": _("Not before the consultation.")})
    return LINK_INSTRUCTION.apply(
        item,
        "follow",
        actor,
        also={"followed_on": day, "followed_note": _text({"note": note}, "note", required=True)},
        extra={"on": day.isoformat()},
    )


def last_project_year(platform: DataPlatform) -> int | None:
    """The last fiscal year of the project the platform was built in: its award's last day, else
    its program's end; None when it has neither (the fund never paid for it)."""
    if platform.award_id:
        return fiscal_year(platform.award.last_day)
    if platform.program_id and platform.program.end_date:
        return fiscal_year(platform.program.end_date)
    return None


@transaction.atomic
def record_storage_funding(
    *, actor, platform: DataPlatform, fiscal_year: int, payer: str, amount_yen: int, note: str = ""
) -> StorageFunding:
    """Who paid for storing and supplying the data in a fiscal year. The fund may not pay after
    the project (事業期間終了後の保管費用を NEDO から支出できない, 000 lines 1868–1870)."""
    _require(can_manage_platform(actor, platform))
    fy = _whole(fiscal_year, "fiscal_year", minimum=2000)
    amount = _whole(amount_yen, "amount_yen")
    if payer not in Payer.values:
        raise ValidationError({"payer": _("Choose the fund or the data manager.")})
    last = last_project_year(platform)
    if payer == Payer.FUND and last is None:
        raise ValidationError({"payer": _("This platform has no project the fund pays for.")})
    outcome = access_rules.storage_payer_allowed(
        fiscal_year=fy, last_project_year=last or fy, payer=payer
    )
    if not outcome.allowed:
        raise ValidationError(
            {
                "payer": _(
                    "The fund cannot pay for storage after the project (its last fiscal year is %(fy)s): the data manager pays."
                )
                % {"fy": last}
            }
        )
    row = StorageFunding.objects.create(
        platform=platform,
        fiscal_year=fy,
        payer=payer,
        amount_yen=amount,
        note=(note or "")[:300],
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="datasets.storage_funding",
        obj=row,
        after={"fiscal_year": fy, "payer": payer, "amount_yen": amount},
    )
    return row


@transaction.atomic
def submit_feedback(*, actor, platform: DataPlatform, text: str, dataset: Dataset | None = None):
    """A data user's feedback (データ利用者からフィードバックを受ける, 001 lines 4141–4143)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to give feedback."))
    if dataset is not None and dataset.platform_id != platform.pk:
        raise ValidationError({"dataset": _("The dataset is not on this platform.")})
    fb = Feedback.objects.create(
        platform=platform,
        dataset=dataset,
        author=actor,
        text=_text({"text": text}, "text", required=True),
    )
    record(actor=actor, action="datasets.feedback", obj=fb, after={"platform": platform.code})
    return fb


@transaction.atomic
def answer_feedback(*, actor, feedback: Feedback, response: str) -> Feedback:
    _require(can_manage_platform(actor, feedback.platform))
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.responded_at:
        raise ValidationError({"response": _("This feedback is already answered.")})
    feedback.response = _text({"response": response}, "response", required=True)
    feedback.responded_by = actor
    feedback.responded_at = timeutil.now()
    feedback.save()
    record(actor=actor, action="datasets.feedback_answered", obj=feedback)
    return feedback


@transaction.atomic
def add_hub(
    *,
    actor,
    platform: DataPlatform,
    kind: str,
    name_ja: str,
    name_en: str = "",
    organisation: Organisation | None = None,
    parent: Hub | None = None,
) -> Hub:
    """A site of a shared-facility platform (central hub, hub, spoke: 004 line 147). Agency."""
    require_role(actor, Role.AGENCY)
    if kind not in Tier.values:
        raise ValidationError({"kind": _("Choose central hub, hub or spoke.")})
    if parent is not None and parent.platform_id != platform.pk:
        raise ValidationError({"parent": _("The parent site is on another platform.")})
    if kind == Tier.SPOKE and parent is not None and parent.kind == Tier.SPOKE:
        raise ValidationError({"parent": _("A spoke hangs from a hub, not from another spoke.")})
    name_ja = _text({"name_ja": name_ja}, "name_ja", required=True, max_length=200)
    if Hub.objects.filter(platform=platform, name_ja=name_ja).exists():
        raise ValidationError({"name_ja": _("A site with this name exists on the platform.")})
    hub = Hub.objects.create(
        platform=platform,
        kind=kind,
        name_ja=name_ja,
        name_en=(name_en or "")[:200],
        organisation=organisation,
        parent=parent,
    )
    record(actor=actor, action="datasets.hub_added", obj=hub, after={"kind": kind})
    return hub


@transaction.atomic
def add_facility(
    *, actor, hub: Hub, name_ja: str, name_en: str = "", instruments: int = 1
) -> SharedFacility:
    require_role(actor, Role.AGENCY)
    name_ja = _text({"name_ja": name_ja}, "name_ja", required=True, max_length=200)
    if SharedFacility.objects.filter(hub=hub, name_ja=name_ja).exists():
        raise ValidationError({"name_ja": _("A facility with this name exists at the site.")})
    facility = SharedFacility.objects.create(
        hub=hub,
        name_ja=name_ja,
        name_en=(name_en or "")[:200],
        instruments=_whole(instruments, "instruments", minimum=1),
    )
    record(actor=actor, action="datasets.facility_added", obj=facility)
    return facility


def _may_record_site(actor, hub: Hub) -> None:
    if getattr(actor, "role", None) == Role.AGENCY:
        return
    if (
        getattr(actor, "role", None) == Role.APPLICANT
        and hub.organisation_id
        and actor.organisation_id == hub.organisation_id
    ):
        return
    raise PermissionDenied(_("Only the site's own staff or the agency record its figures."))


@transaction.atomic
def record_facility_uses(
    *, actor, facility: SharedFacility, fiscal_year: int, uses: dict[str, int]
) -> list[FacilityUse]:
    """A facility's uses in a fiscal year by sector (replacing what was recorded for it)."""
    _may_record_site(actor, facility.hub)
    fy = _whole(fiscal_year, "fiscal_year", minimum=2000)
    rows = []
    before = {
        u.sector: u.uses for u in FacilityUse.objects.filter(facility=facility, fiscal_year=fy)
    }
    for sector, n in uses.items():
        if sector not in Sector.values:
            raise ValidationError({"sector": _("Choose industry, academia or government.")})
        count = _whole(n, f"uses.{sector}")
        row, _created = FacilityUse.objects.update_or_create(
            facility=facility, fiscal_year=fy, sector=sector, defaults={"uses": count}
        )
        rows.append(row)
    record(
        actor=actor,
        action="datasets.facility_uses",
        obj=facility,
        before=before,
        after={"fiscal_year": fy, **{r.sector: r.uses for r in rows}},
    )
    return rows


@transaction.atomic
def record_data_created(*, actor, hub: Hub, fiscal_year: int, items: int) -> DataCreation:
    """Data items a site created in a fiscal year (replacing what was recorded for it)."""
    _may_record_site(actor, hub)
    fy = _whole(fiscal_year, "fiscal_year", minimum=2000)
    n = _whole(items, "items")
    before = DataCreation.objects.filter(hub=hub, fiscal_year=fy).values_list("items", flat=True)
    row, _created = DataCreation.objects.update_or_create(
        hub=hub, fiscal_year=fy, defaults={"items": n}
    )
    record(
        actor=actor,
        action="datasets.data_created",
        obj=hub,
        before={"items": next(iter(before), None)},
        after={"fiscal_year": fy, "items": n},
    )
    return row


# ---------------------------------------------------------------------------------------------
# Excluded parties


def active_exclusions():
    return ExcludedParty.objects.filter(lifted_at__isnull=True)


def is_on_register(user) -> bool:
    """The user, or the organisation they act for, is recorded as an excluded party now."""
    if not getattr(user, "is_authenticated", False):
        return False
    q = Q(user=user)
    if user.organisation_id:
        q |= Q(organisation_id=user.organisation_id)
    return active_exclusions().filter(q).exists()


def exclusion_message(details: Iterable[str]) -> str:
    """The reason an excluded party is refused, in words (000 lines 1874–1880)."""
    words = {
        "on_register": _(
            "recorded as a party that does not comply with Japanese law or international norms, or whose cyber security is subject to foreign legal influence"
        ),
        "no_compliance": _(
            "has not declared compliance with Japanese law and internationally accepted norms, past conduct included"
        ),
        "foreign_influence": _(
            "has not declared that its cyber security is free of foreign legal influence"
        ),
    }
    return _("No data is supplied to this party under the conditions of use: %(why)s.") % {
        "why": "; ".join(str(words.get(d, d)) for d in details)
    }


@transaction.atomic
def record_excluded_party(
    *, actor, reason: str, organisation: Organisation | None = None, user=None
) -> ExcludedParty:
    """Record a party to whom no data is supplied (国際基準不遵守等事業者). Ministry or agency."""
    require_role(actor, Role.MINISTRY, Role.AGENCY)
    if organisation is None and user is None:
        raise ValidationError({"organisation": _("Name the organisation or the person.")})
    reason = _text({"reason": reason}, "reason", required=True)
    party = ExcludedParty.objects.create(
        organisation=organisation, user=user, reason=reason, recorded_by=actor
    )
    record(
        actor=actor,
        action="datasets.party_excluded",
        obj=party,
        after={
            "organisation": organisation.pk if organisation else None,
            "user": user.pk if user else None,
            "reason": reason,
        },
    )
    return party


@transaction.atomic
def lift_exclusion(*, actor, party: ExcludedParty, reason: str) -> ExcludedParty:
    require_role(actor, Role.MINISTRY, Role.AGENCY)
    party = ExcludedParty.objects.select_for_update().get(pk=party.pk)
    if party.lifted_at:
        raise ValidationError({"reason": _("Already lifted.")})
    party.lift_reason = _text({"reason": reason}, "reason", required=True)
    party.lifted_at = timeutil.now()
    party.lifted_by = actor
    party.save()
    record(actor=actor, action="datasets.exclusion_lifted", obj=party, after={"reason": reason})
    return party


# ---------------------------------------------------------------------------------------------
# Datasets

DATASET_TEXT = {
    "title_ja": (True, 500),
    "title_en": (False, 500),
    "description_ja": (False, None),
    "description_en": (False, None),
    "publisher": (True, 300),
    "language": (False, 8),
    "resource_type": (False, 100),
    "version": (False, 40),
}


def _creators(raw) -> list[dict]:
    """Creators from text (one per line: `name / English name / affiliation / ORCID`) or dicts."""
    if isinstance(raw, str):
        items = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("/")]
            parts += [""] * (4 - len(parts))
            items.append(
                {"name": parts[0], "name_en": parts[1], "affiliation": parts[2], "orcid": parts[3]}
            )
    else:
        items = [dict(c) for c in raw or []]
    out = []
    for i, c in enumerate(items, 1):
        name = str(c.get("name", "")).strip()
        if not name:
            raise ValidationError({"creators": _("Creator %(n)s has no name.") % {"n": i}})
        orcid = str(c.get("orcid", "")).strip()
        if orcid and not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid):
            raise ValidationError(
                {
                    "creators": _("Creator %(n)s: an ORCID iD looks like 0000-0002-1825-0097.")
                    % {"n": i}
                }
            )
        out.append(
            {
                "name": name[:200],
                "name_en": str(c.get("name_en", "")).strip()[:200],
                "affiliation": str(c.get("affiliation", "")).strip()[:300],
                "orcid": orcid,
            }
        )
    if not out:
        raise ValidationError({"creators": _("Name at least one creator.")})
    return out


def _subjects(raw) -> list[str]:
    if isinstance(raw, str):
        raw = re.split(r"[,、;\n]", raw)
    return [s.strip()[:100] for s in raw or [] if s and s.strip()][:50]


def _check_access(values: dict, platform: DataPlatform | None, today: dt.date) -> None:
    level = values["access_level"]
    if level not in AccessLevel.values:
        raise ValidationError({"access_level": _("Choose one of the access levels.")})
    if platform is not None and platform.access_levels and level not in platform.access_levels:
        raise ValidationError({"access_level": _("The platform does not offer this access level.")})
    licence = values["licence"]
    if licence not in Licence.values:
        raise ValidationError({"licence": _("Choose a licence.")})
    if level == AccessLevel.EMBARGOED:
        until = values.get("embargo_until")
        if until is None:
            raise ValidationError(
                {"embargo_until": _("An embargoed dataset needs the date it opens.")}
            )
        if until <= today:
            raise ValidationError({"embargo_until": _("The embargo must end after today.")})
    else:
        values["embargo_until"] = None
    if level in {AccessLevel.OPEN, AccessLevel.EMBARGOED} and licence not in OPEN_LICENCES:
        raise ValidationError(
            {"licence": _("Open data (and embargoed data, which opens) needs an open licence.")}
        )
    if level == AccessLevel.SHARED and not values["conditions"]:
        raise ValidationError(
            {"conditions": _("Shared data needs its conditions of use written down.")}
        )


def _dataset_values(fields: dict, platform: DataPlatform | None, today: dt.date) -> dict:
    values = {}
    for name, (required, max_length) in DATASET_TEXT.items():
        values[name] = _text(fields, name, required=required, max_length=max_length)
    values["language"] = values["language"] or "ja"
    values["resource_type"] = values["resource_type"] or "Dataset"
    values["creators"] = _creators(fields.get("creators"))
    values["subjects"] = _subjects(fields.get("subjects"))
    values["access_level"] = fields.get("access_level") or ""
    values["licence"] = fields.get("licence") or ""
    until = fields.get("embargo_until")
    values["embargo_until"] = _date(until, "embargo_until") if until else None
    raw_conditions = fields.get("conditions")
    if not raw_conditions and platform is not None:
        raw_conditions = platform.conditions
    values["conditions"] = _conditions(raw_conditions)
    _check_access(values, platform, today)
    return values


@transaction.atomic
def create_dataset(
    *,
    actor,
    fields: dict,
    organisation: Organisation | None = None,
    platform: DataPlatform | None = None,
    award: Award | None = None,
) -> Dataset:
    """Register a dataset (a draft until published). An applicant registers for their own
    organisation; the agency names the organisation. On a platform the data manager manages it.

    Side effects: the dataset with its identifier, its search entry, one audit record."""
    _require(can_create_dataset(actor))
    if actor.role == Role.APPLICANT:
        organisation = actor.organisation
    if platform is not None:
        if platform.data_manager_id is None:
            raise ValidationError({"platform": _("The platform has no data manager yet.")})
        if actor.role == Role.APPLICANT and platform.data_manager_id != actor.organisation_id:
            raise ValidationError(
                {"platform": _("Only the platform's data manager registers its datasets.")}
            )
        organisation = platform.data_manager
    if organisation is None:
        raise ValidationError({"organisation": _("Name the managing organisation.")})
    if award is not None and award.organisation_id != organisation.pk:
        raise ValidationError({"award": _("The award is another organisation's.")})
    today = today_jst()
    values = _dataset_values(fields, platform, today)
    now = timeutil.now()
    program = (
        platform.program
        if platform is not None and platform.program_id
        else (award.call.program if award is not None else None)
    )
    dataset = Dataset.objects.create(
        identifier=f"new-{now.timestamp()}-{actor.pk}",
        organisation=organisation,
        platform=platform,
        award=award,
        program=program,
        created_by=actor,
        created_at=now,
        modified_at=now,
        **values,
    )
    dataset.identifier = f"ds-{dataset.pk:08d}"
    dataset.save(update_fields=["identifier"])
    search.index_dataset(dataset)
    record(
        actor=actor,
        action="datasets.created",
        obj=dataset,
        after={"identifier": dataset.identifier, "access_level": dataset.access_level},
    )
    return dataset


@transaction.atomic
def update_dataset(*, actor, dataset: Dataset, fields: dict) -> Dataset:
    """Change a dataset's metadata, access level or conditions. Changed conditions are a new
    version: open requests made under the old ones are withdrawn (the requester asks again under
    the conditions in force), and earlier grants no longer open the data.

    Side effects: the dataset, its search entry, withdrawn requests with their log, an audit
    record."""
    _require(can_edit_dataset(actor, dataset))
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    values = _dataset_values(fields, dataset.platform, today_jst())
    before = {k: getattr(dataset, k) for k in values}
    conditions_changed = values["conditions"] != dataset.conditions
    for k, v in values.items():
        setattr(dataset, k, v)
    now = timeutil.now()
    if conditions_changed:
        dataset.conditions_version += 1
        stale = AccessRequest.objects.select_for_update().filter(
            dataset=dataset, state=RequestState.SUBMITTED
        )
        for req in stale:
            ACCESS_REQUEST.apply(
                req,
                "lapse",
                actor,
                also={
                    "note": _(
                        "The conditions of use changed; ask again under the conditions in force."
                    ),
                    "decided_at": now,
                },
            )
    dataset.modified_at = now
    dataset.save()
    search.index_dataset(dataset)
    record(
        actor=actor,
        action="datasets.updated",
        obj=dataset,
        before=before,
        after={**values, "conditions_version": dataset.conditions_version},
    )
    return dataset


def _touch(dataset: Dataset) -> None:
    dataset.modified_at = timeutil.now()
    dataset.size_bytes = sum(f.size_bytes or 0 for f in dataset.files.all())
    dataset.save(update_fields=["modified_at", "size_bytes"])


def sha256_of(stream, *, limit: int | None = None) -> tuple[str, int]:
    """(hex digest, size) of a binary stream read in chunks; ValueError past `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(READ_CHUNK):
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValueError("too large")
        digest.update(chunk)
    return digest.hexdigest(), size


def _expected_sha(value: str, *, required: bool) -> str:
    value = (value or "").strip().lower()
    if not value and not required:
        return ""
    if not SHA256.fullmatch(value):
        raise ValidationError({"sha256": _("A SHA-256 checksum is 64 hexadecimal characters.")})
    return value


def _file_name(name: str, dataset: Dataset) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in {".", ".."}:
        raise ValidationError({"name": _("Give the file a name.")})
    if DatasetFile.objects.filter(dataset=dataset, name=name).exists():
        raise ValidationError({"name": _("The dataset already has a file of this name.")})
    return name[:255]


@transaction.atomic
def add_file(*, actor, dataset: Dataset, uploaded, expected_sha256: str = "") -> DatasetFile:
    """Store an uploaded file in the shared file store, its SHA-256 computed while reading it;
    where the uploader gave the checksum, the two must agree (else nothing is stored).

    Side effects: the file, one checksum check (on upload), the dataset's size and datestamp,
    one audit record."""
    _require(can_edit_dataset(actor, dataset))
    expected = _expected_sha(expected_sha256, required=False)
    name = _file_name(uploaded.name, dataset)
    if uploaded.size > conf.upload_max_bytes():
        raise ValidationError(
            {
                "file": _("The file is larger than %(gb)s GB.")
                % {"gb": conf.upload_max_bytes() // 2**30}
            }
        )
    uploaded.seek(0)
    digest, size = sha256_of(uploaded)
    uploaded.seek(0)
    if expected and digest != expected:
        raise ValidationError(
            {
                "sha256": _(
                    "The uploaded file's SHA-256 is %(got)s, not the %(expected)s given: the file was changed or damaged on the way; nothing was stored."
                )
                % {"got": digest, "expected": expected}
            }
        )
    now = timeutil.now()
    f = DatasetFile(
        dataset=dataset,
        name=name,
        size_bytes=size,
        content_type=getattr(uploaded, "content_type", "") or "",
        sha256=digest,
        status=FileStatus.OK,
        last_verified_at=now,
        added_by=actor,
    )
    f.file.save(name, uploaded, save=False)
    f.save()
    ChecksumCheck.objects.create(
        file=f,
        checked_at=now,
        trigger=CheckTrigger.UPLOAD,
        status=FileStatus.OK,
        observed_sha256=digest,
    )
    _touch(dataset)
    record(
        actor=actor,
        action="datasets.file_added",
        obj=f,
        after={"dataset": dataset.identifier, "name": name, "size": size, "sha256": digest},
    )
    return f


def _fetch_sha256(url: str) -> tuple[str, str, int]:
    """(status, digest, size) of an external file, fetched only from allowed hosts."""
    host = urlparse(url).hostname or ""
    if host not in conf.fetch_hosts():
        return FileStatus.NOT_FETCHED, "", 0
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            digest, size = sha256_of(response, limit=conf.fetch_max_bytes())
    except (urllib.error.URLError, OSError, ValueError):
        return FileStatus.UNREACHABLE, "", 0
    return FileStatus.OK, digest, size


@transaction.atomic
def add_external_file(
    *, actor, dataset: Dataset, name: str, url: str, sha256: str, size_bytes=None
) -> DatasetFile:
    """A file kept at an external location, with the checksum it must have. Where kikin may
    fetch from the host it verifies the checksum now, and refuses a file that does not match or
    cannot be reached; otherwise the file is recorded as not fetched."""
    _require(can_edit_dataset(actor, dataset))
    url = (url or "").strip()
    if urlparse(url).scheme not in {"http", "https"} or not urlparse(url).hostname:
        raise ValidationError({"url": _("An external location is an http or https address.")})
    expected = _expected_sha(sha256, required=True)
    name = _file_name(name or urlparse(url).path, dataset)
    size = _whole(size_bytes, "size_bytes") if size_bytes not in (None, "") else None
    status, digest, fetched_size = _fetch_sha256(url)
    if status == FileStatus.UNREACHABLE:
        raise ValidationError({"url": _("The location could not be read; nothing was recorded.")})
    if status == FileStatus.OK:
        if digest != expected:
            raise ValidationError(
                {
                    "sha256": _(
                        "The file at the location has SHA-256 %(got)s, not the %(expected)s given; nothing was recorded."
                    )
                    % {"got": digest, "expected": expected}
                }
            )
        size = fetched_size
    now = timeutil.now()
    f = DatasetFile.objects.create(
        dataset=dataset,
        name=name,
        url=url,
        size_bytes=size,
        sha256=expected,
        status=status,
        last_verified_at=now if status == FileStatus.OK else None,
        added_by=actor,
    )
    ChecksumCheck.objects.create(
        file=f,
        checked_at=now,
        trigger=CheckTrigger.UPLOAD,
        status=status,
        observed_sha256=digest,
    )
    _touch(dataset)
    record(
        actor=actor,
        action="datasets.external_file_added",
        obj=f,
        after={"dataset": dataset.identifier, "url": url, "sha256": expected, "status": status},
    )
    return f


def _verify_one(f: DatasetFile) -> tuple[str, str]:
    if f.is_external:
        status, digest, _size = _fetch_sha256(f.url)
        if status == FileStatus.OK and digest != f.sha256:
            status = FileStatus.MISMATCH
        return status, digest
    try:
        with f.file.storage.open(f.file.name, "rb") as stream:
            digest, _size = sha256_of(stream)
    except (FileNotFoundError, OSError):
        return FileStatus.MISSING, ""
    return (FileStatus.OK if digest == f.sha256 else FileStatus.MISMATCH), digest


def verify_checksums(
    *,
    files: Iterable[DatasetFile] | None = None,
    limit: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, int]:
    """Re-read files and compare their SHA-256 with the one recorded (the scheduled check): the
    files not checked for longest first, `limit` of them at most. Each file's check is its own
    transaction (a long run never holds a lock for long). A file that no longer matches, or is
    missing, is marked so and gets an audit record.

    Returns counts by status. `progress(done, total, message)` is called after each file."""
    if files is None:
        qs = DatasetFile.objects.select_related("dataset").order_by("last_verified_at", "id")
        files = list(qs[:limit] if limit else qs)
    else:
        files = list(files)
    counts: dict[str, int] = dict.fromkeys(FileStatus.values, 0)
    total = len(files)
    for i, f in enumerate(files, 1):
        status, digest = _verify_one(f)
        now = timeutil.now()
        with transaction.atomic():
            ChecksumCheck.objects.create(
                file=f,
                checked_at=now,
                trigger=CheckTrigger.SCHEDULE,
                status=status,
                observed_sha256=digest,
            )
            previous = f.status
            f.status = status
            if status == FileStatus.OK:
                f.last_verified_at = now
            DatasetFile.objects.filter(pk=f.pk).update(
                status=status, last_verified_at=f.last_verified_at or now
            )
            if status in {FileStatus.MISMATCH, FileStatus.MISSING} and previous != status:
                record(
                    actor=None,
                    action="datasets.checksum_failed",
                    obj=f,
                    before={"status": previous},
                    after={"status": status, "observed": digest, "expected": f.sha256},
                )
        counts[status] += 1
        if progress is not None:
            progress(i, total, f.name)
    return counts


@transaction.atomic
def publish_dataset(*, actor, dataset: Dataset) -> Dataset:
    """Publish the metadata (harvestable from now on) and mint the DOI where a minter is set.

    Side effects: state, publication year, DOI, datestamp, search entry, one audit record."""
    _require(can_edit_dataset(actor, dataset))
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.state != DatasetState.DRAFT:
        raise ValidationError({"state": _("Only a draft is published.")})
    if not dataset.files.exists():
        raise ValidationError({"files": _("Add at least one file before publishing.")})
    bad = dataset.files.filter(status__in=[FileStatus.MISMATCH, FileStatus.MISSING]).first()
    if bad is not None:
        raise ValidationError(
            {"files": _("“%(name)s” failed its checksum check; fix it first.") % {"name": bad.name}}
        )
    now = timeutil.now()
    changes = {
        "published_at": now,
        "publication_year": timezone.localtime(now).year,
        "modified_at": now,
    }
    if not dataset.doi:
        try:
            changes["doi"] = pid.mint_doi(dataset)
        except pid.MintError as exc:
            raise ValidationError({"doi": str(exc)}) from None
    try:
        with transaction.atomic():
            DATASET.apply(
                dataset,
                "publish",
                actor,
                also=changes,
                extra={"identifier": dataset.identifier, "doi": changes.get("doi", dataset.doi)},
            )
    except IntegrityError:
        raise ValidationError({"doi": _("This DOI is already another dataset's.")}) from None
    search.index_dataset(dataset)
    return dataset


@transaction.atomic
def withdraw_dataset(*, actor, dataset: Dataset, reason: str) -> Dataset:
    """Withdraw a published dataset: its page stays as a tombstone and harvesters see a deleted
    record; nothing can be downloaded any more."""
    _require(can_edit_dataset(actor, dataset))
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.state != DatasetState.PUBLISHED:
        raise ValidationError({"state": _("Only a published dataset is withdrawn.")})
    DATASET.apply(
        dataset,
        "withdraw",
        actor,
        also={
            "withdrawn_reason": _text({"reason": reason}, "reason", required=True),
            "modified_at": timeutil.now(),
        },
        extra={"reason": reason},
    )
    for req in AccessRequest.objects.select_for_update().filter(
        dataset=dataset, state=RequestState.SUBMITTED
    ):
        ACCESS_REQUEST.apply(req, "lapse", actor, also={"decided_at": dataset.modified_at})
    search.index_dataset(dataset)
    return dataset


@transaction.atomic
def lift_ended_embargoes(*, today: dt.date | None = None, actor=None) -> int:
    """Embargoed datasets whose date has come become open (their datestamp moves, so that
    harvesters pick the change up). Access follows the date even before this runs."""
    today = today or today_jst()
    now = timeutil.now()
    lifted = 0
    for d in Dataset.objects.select_for_update().filter(
        access_level=AccessLevel.EMBARGOED, embargo_until__lte=today
    ):
        d.access_level = AccessLevel.OPEN
        d.modified_at = now
        d.save(update_fields=["access_level", "modified_at"])
        search.index_dataset(d)
        record(
            actor=actor,
            action="datasets.embargo_lifted",
            obj=d,
            before={"access_level": "embargoed", "embargo_until": d.embargo_until},
            after={"access_level": "open"},
        )
        lifted += 1
    return lifted


# ---------------------------------------------------------------------------------------------
# Access requests and downloads


def has_grant(user, dataset: Dataset) -> bool:
    """The user holds an approved request under the conditions in force."""
    if not getattr(user, "is_authenticated", False):
        return False
    return AccessRequest.objects.filter(
        dataset=dataset,
        requester=user,
        state=RequestState.APPROVED,
        conditions_version=dataset.conditions_version,
    ).exists()


def refusal_message(outcome: access_rules.AccessOutcome, dataset: Dataset) -> str:
    """An access outcome's reason in the reader's language."""
    if outcome.code == "excluded":
        return exclusion_message(outcome.details)
    if outcome.code == "conditions_unmet":
        texts = {c["code"]: c["text_ja"] for c in dataset.conditions}
        return _("These written conditions are not met: %(list)s.") % {
            "list": "; ".join(texts.get(c, c) for c in outcome.details)
        }
    if outcome.code == "embargoed":
        return _("The data is embargoed until %(day)s.") % {"day": outcome.until.isoformat()}
    messages = {
        "closed": _("The data is closed: only its data manager holds it."),
        "no_request_needed": _("The data is open: no request is needed."),
        "request_needed": _(
            "The data is shared under written conditions: request access and meet them first."
        ),
    }
    return str(messages.get(outcome.code, outcome.code))


def _event(dataset, kind, *, user=None, file=None, request=None, reason="") -> AccessEvent:
    return AccessEvent.objects.create(
        dataset=dataset,
        file=file,
        request=request,
        user=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        reason=reason[:200],
        at=timeutil.now(),
    )


@transaction.atomic
def request_access(
    *,
    actor,
    dataset: Dataset,
    purpose: str,
    accept_conditions: bool,
    declares_compliance: bool,
    declares_no_foreign_influence: bool,
) -> AccessRequest:
    """Ask for shared data under its written conditions. A party the exclusion rule refuses
    (on the register, or without the two declarations) is refused at once, with the reason;
    any other request waits for the data manager's check. Nothing here looks at the kind of user.

    Side effects: the request, and when refused at once its log event; an audit record."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to request access."))
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.state != DatasetState.PUBLISHED:
        raise ValidationError({"dataset": _("The dataset is not published.")})
    if is_data_manager(actor, dataset):
        raise ValidationError({"dataset": _("Your organisation manages this dataset.")})
    in_force = access_rules.level_in_force(dataset.access_level, dataset.embargo_until, today_jst())
    if in_force != AccessLevel.SHARED:
        outcome = access_rules.AccessOutcome(
            False,
            in_force if in_force != "open" else "no_request_needed",
            until=dataset.embargo_until,
        )
        raise ValidationError({"dataset": refusal_message(outcome, dataset)})
    purpose = _text({"purpose": purpose}, "purpose", required=True)
    if not accept_conditions:
        raise ValidationError(
            {"accept_conditions": _("Accept the written conditions of use to ask for the data.")}
        )
    if has_grant(actor, dataset):
        raise ValidationError({"dataset": _("You already have access under these conditions.")})
    if AccessRequest.objects.filter(
        dataset=dataset, requester=actor, state=RequestState.SUBMITTED
    ).exists():
        raise ValidationError({"dataset": _("Your request is already waiting for the check.")})
    now = timeutil.now()
    req = AccessRequest.objects.create(
        dataset=dataset,
        requester=actor,
        organisation_id=actor.organisation_id,
        purpose=purpose,
        conditions_version=dataset.conditions_version,
        conditions_snapshot=dataset.conditions,
        declares_compliance=bool(declares_compliance),
        declares_no_foreign_influence=bool(declares_no_foreign_influence),
        submitted_at=now,
    )
    screening = access_rules.Screening(
        on_register=is_on_register(actor),
        declares_compliance=req.declares_compliance,
        declares_no_foreign_influence=req.declares_no_foreign_influence,
    )
    reasons = access_rules.exclusion_reasons(screening)
    record(
        actor=actor,
        action="datasets.access_requested",
        obj=req,
        after={"dataset": dataset.identifier, "state": req.state, "outcome": req.outcome},
    )
    if reasons:
        ACCESS_REQUEST.apply(
            req,
            "exclude",
            actor,
            also={
                "outcome": "excluded",
                "outcome_details": list(reasons),
                "decided_at": now,
                "note": exclusion_message(reasons),
            },
            extra={"outcome": "excluded", "reasons": list(reasons)},
        )
        _event(dataset, EventKind.REFUSED, user=actor, request=req, reason="excluded")
    return req


@transaction.atomic
def decide_access_request(
    *, actor, request: AccessRequest, checks: dict[str, bool], note: str = ""
) -> AccessRequest:
    """The data manager's check of each written condition; the outcome follows from the checks
    and the exclusion rule alone (`kikin.rules.data_access.decide_request`).

    Side effects: the request's state, outcome and checks; a grant or refusal in the log; an
    audit record."""
    req = AccessRequest.objects.select_for_update().select_related("dataset").get(pk=request.pk)
    dataset = req.dataset
    _require(can_decide_requests(actor, dataset))
    if req.state != RequestState.SUBMITTED:
        raise ValidationError({"state": _("This request is already decided.")})
    if req.conditions_version != dataset.conditions_version:
        raise ValidationError(
            {"state": _("The conditions changed since the request; the requester asks again.")}
        )
    codes = [c["code"] for c in req.conditions_snapshot]
    screening = access_rules.Screening(
        on_register=is_on_register(req.requester),
        declares_compliance=req.declares_compliance,
        declares_no_foreign_influence=req.declares_no_foreign_influence,
    )
    try:
        outcome = access_rules.decide_request(
            level=dataset.access_level,
            embargo_until=dataset.embargo_until,
            on=today_jst(),
            conditions=codes,
            checks={k: bool(v) for k, v in checks.items()},
            screening=screening,
        )
    except RuleError as exc:
        raise ValidationError(
            {exc.field: _("Check every written condition, met or not.")}
        ) from None
    decided = {
        "checks": {k: bool(v) for k, v in checks.items()},
        "outcome": outcome.code,
        "outcome_details": list(outcome.details),
        "decided_by": actor,
        "decided_at": timeutil.now(),
        "note": (note or "").strip()
        or ("" if outcome.allowed else refusal_message(outcome, dataset)),
    }
    ACCESS_REQUEST.apply(
        req,
        "approve" if outcome.allowed else "refuse",
        actor,
        also=decided,
        extra={"outcome": outcome.code, "checks": decided["checks"]},
    )
    if outcome.allowed:
        _event(dataset, EventKind.GRANTED, user=req.requester, request=req)
    else:
        _event(dataset, EventKind.REFUSED, user=req.requester, request=req, reason=outcome.code)
    return req


@transaction.atomic
def withdraw_access_request(*, actor, request: AccessRequest) -> AccessRequest:
    req = AccessRequest.objects.select_for_update().get(pk=request.pk)
    if req.requester_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the requester withdraws a request."))
    if req.state != RequestState.SUBMITTED:
        raise ValidationError({"state": _("Only a waiting request is withdrawn.")})
    return ACCESS_REQUEST.apply(req, "withdraw", actor, also={"decided_at": timeutil.now()})


def download_decision(user, dataset: Dataset) -> access_rules.AccessOutcome:
    if dataset.state != DatasetState.PUBLISHED and not is_data_manager(user, dataset):
        return access_rules.AccessOutcome(False, "closed")
    return access_rules.may_download(
        level=dataset.access_level,
        embargo_until=dataset.embargo_until,
        on=today_jst(),
        is_manager=is_data_manager(user, dataset),
        has_grant=has_grant(user, dataset),
        on_register=is_on_register(user),
    )


@transaction.atomic
def record_download(*, actor, file: DatasetFile) -> access_rules.AccessOutcome:
    """Decide whether `actor` (anyone, logged in or not) may download `file`, and log it either
    way. The caller serves the file only when the outcome allows it."""
    dataset = file.dataset
    outcome = download_decision(actor, dataset)
    if outcome.allowed:
        _event(dataset, EventKind.DOWNLOADED, user=actor, file=file, reason=outcome.code)
        record(
            actor=actor,
            action="datasets.downloaded",
            obj=file,
            after={"dataset": dataset.identifier, "name": file.name, "as": outcome.code},
        )
    else:
        _event(dataset, EventKind.DOWNLOAD_REFUSED, user=actor, file=file, reason=outcome.code)
    return outcome
