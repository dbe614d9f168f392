"""Writes for calls and proposals: drafts, attachments, submission, withdrawal.

Every function runs in one transaction and writes its audit record. Submission is idempotent:
the same submission key (one per rendered form) gives the same version and receipt number, so a
double click or a retried request never makes two.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from kikin.accounts.identity import valid_corporate_number
from kikin.accounts.models import Role
from kikin.audit.services import record
from kikin.core import sequences, timeutil
from kikin.core import validation as v
from kikin.core.compiled import CompiledQuery, attach_rows
from kikin.core.files import check_document
from kikin.core.timeutil import JST, jst_end_of
from kikin.rules import fiscal
from kikin.rules.deadlines import ADOPTION_LIMIT_DAYS, adoption_due_date

from . import permissions
from .models import (
    Attachment,
    BudgetLine,
    Call,
    CallDocument,
    CallDocumentKind,
    CallSequence,
    DevelopmentType,
    Partner,
    PartnerRelation,
    Proposal,
    ProposalState,
    ProposalVersion,
    TeamMember,
)
from .validation import Problem, check_proposal
from .workflow import apply_transition

MAX_ATTACHMENTS_TOTAL_BYTES = 100 * 1024 * 1024
MAX_ATTACHMENTS = 20

DRAFT_FIELDS = (
    "title",
    "abstract",
    "plan",
    "language",
    "start_date",
    "period_months",
    "set_value",
    "cap_option",
    "self_investment_yen",
    "continuation_plan",
    "leakage_core_technologies",
    "leakage_access_control",
    "leakage_staff_management",
    "leakage_partner_controls",
    "development_type",
    "benchmark_target",
    "compute_provider",
    "accelerator_type",
    "accelerator_hours",
    "requested_to_first_gate_yen",
    "gx_commitment",
    "declarations",
    "declaration_evidence",
    "cap_excess_reason",
)


class SubmissionRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _require_verified_email(actor) -> None:
    if not getattr(actor, "may_apply", True):
        raise ValidationError(
            {
                "email": _(
                    "Verify your e-mail address first: follow the link sent to it (or ask for a"
                    " new one on your organisation's page)."
                )
            }
        )


def _require(ok_reason: tuple[bool, str]):
    ok, reason = ok_reason
    if not ok:
        raise PermissionDenied(reason)


@transaction.atomic
def create_proposal(*, actor, call: Call, theme) -> Proposal:
    """Start a draft for `actor`'s organisation. Side effect: audit record."""
    if actor.role != Role.APPLICANT or not actor.organisation_id:
        raise PermissionDenied(
            _("Only an applicant acting for an organisation may start a proposal.")
        )
    _require_verified_email(actor)
    if not call.is_open():
        raise ValidationError({"call": _("The call is not open.")})
    if not call.themes.filter(pk=theme.pk).exists():
        raise ValidationError({"theme": _("This theme is not open in this call.")})
    proposal = Proposal.objects.create(
        call=call,
        theme=theme,
        organisation_id=actor.organisation_id,
        created_by=actor,
        language="ja" if (actor.organisation and actor.organisation.country == "JP") else "en",
    )
    record(
        actor=actor,
        action="proposal.create",
        obj=proposal,
        after={"call": call.key, "theme": theme.key},
    )
    return proposal


@transaction.atomic
def save_draft(
    *,
    actor,
    proposal: Proposal,
    fields: dict,
    budget: list[dict] | None = None,
    team: list[dict] | None = None,
    partners: list[dict] | None = None,
) -> Proposal:
    """Save the working copy as typed (no rule checks beyond the fields' own types).

    `budget` rows: {fiscal_year, requested_yen, eligible_cost_yen}; `team` rows: {name,
    affiliation, role, is_lead}; `partners` rows: {name, country, relation, special_capability}.
    A list given replaces the rows; None leaves them. Side effect: audit record of changed fields.
    """
    proposal = (
        Proposal.objects.select_for_update().select_related("call__program").get(pk=proposal.pk)
    )
    return _save_locked_draft(actor, proposal, fields, budget, team, partners)


def _save_locked_draft(actor, proposal: Proposal, fields: dict, budget, team, partners) -> Proposal:
    """save_draft on a proposal already locked in this transaction (its rows may be prefetched:
    they are compared without reading them again, and dropped from the prefetch once replaced)."""
    _require(permissions.can_edit(actor, proposal))
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in unknown})
    budget, team, partners = _check_draft(proposal, fields, budget, team, partners)
    changed = {}
    for name, value in fields.items():
        if getattr(proposal, name) != value:
            changed[name] = value
            setattr(proposal, name, value)
    if changed:  # a form sent back as it was saved (a submit, mostly) rewrites nothing
        proposal.full_clean(exclude=["call", "theme", "organisation", "created_by"])
        proposal.save()
    if budget is not None:
        years = [row["fiscal_year"] for row in budget]
        if len(years) != len(set(years)):
            raise ValidationError({"budget": _("Each fiscal year may appear once.")})
        budget = _unless_same(proposal.budget_lines, BudgetLine, proposal, budget)
    if budget is not None:
        proposal.budget_lines.all().delete()
        lines = [BudgetLine(proposal=proposal, **row) for row in budget]
        for line in lines:
            line.full_clean(exclude=["proposal"])
        BudgetLine.objects.bulk_create(lines)
        changed["budget"] = budget
    team = _unless_same(proposal.team, TeamMember, proposal, team)
    if team is not None:
        proposal.team.all().delete()
        members = [TeamMember(proposal=proposal, **row) for row in team]
        for n, member in enumerate(members, start=1):
            try:
                member.full_clean(exclude=["proposal"])
            except ValidationError as exc:
                raise ValidationError(
                    {
                        "team": [
                            _("Team member %(n)s: %(error)s") % {"n": n, "error": message}
                            for message in exc.messages
                        ]
                    }
                ) from None
        TeamMember.objects.bulk_create(members)
        changed["team"] = team
    partners = _unless_same(proposal.partners, Partner, proposal, partners)
    if partners is not None:
        proposal.partners.all().delete()
        Partner.objects.bulk_create([Partner(proposal=proposal, **row) for row in partners])
        changed["partners"] = partners
    if changed:
        getattr(proposal, "_prefetched_objects_cache", {}).clear()
        record(
            actor=actor,
            action="proposal.save_draft",
            obj=proposal,
            after={"fields": sorted(changed)},
        )
    return proposal


def _unless_same(related, model, proposal: Proposal, rows: list[dict] | None) -> list[dict] | None:
    """`rows`, or None when they would replace the proposal's rows with equal ones (every
    column but the key, in order), so that an unchanged list is neither rewritten nor audited."""
    if rows is None:
        return None
    columns = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname != "proposal_id"
    ]
    new = [model(proposal=proposal, **row) for row in rows]
    old = sorted(related.all(), key=lambda row: row.pk)  # the prefetched rows, if they are
    if len(old) == len(new) and all(
        getattr(a, c) == getattr(b, c) for a, b in zip(old, new, strict=True) for c in columns
    ):
        return None
    return rows


#: A proposal's period in months (the longest theme runs five years; a typing error is refused).
MAX_PERIOD_MONTHS = 120
MAX_ROWS = 50


def _check_draft(proposal: Proposal, fields: dict, budget, team, partners):
    """Every value of a draft against its column and its meaning, all refusals at once:
    text without NUL and within its column, dates and fiscal years inside the program's life,
    no negative money, known choices. Returns the rows cleaned (text stripped)."""
    program = proposal.call.program
    first_fy, last_fy = fiscal.fiscal_year(program.start_date), fiscal.fiscal_year(program.end_date)
    refusals = v.Refusals()
    for name, value in fields.items():
        field = Proposal._meta.get_field(name)
        if isinstance(value, str) or (
            value is None
            and field.get_internal_type()
            in {
                "CharField",
                "TextField",
            }
        ):
            fields[name] = refusals.check(v.text, value, field=name, max_length=field.max_length)
    if fields.get("start_date") is not None:
        refusals.check(
            v.date_between,
            fields["start_date"],
            field="start_date",
            first=program.start_date,
            last=program.end_date,
            what=_("the program's life"),
        )
    if fields.get("period_months") is not None:
        refusals.check(
            v.whole_number,
            fields["period_months"],
            field="period_months",
            minimum=1,
            maximum=MAX_PERIOD_MONTHS,
        )
    if fields.get("self_investment_yen") is not None:
        refusals.check(v.yen, fields["self_investment_yen"], field="self_investment_yen")
    if fields.get("accelerator_hours") is not None:
        refusals.check(
            v.whole_number, fields["accelerator_hours"], field="accelerator_hours", maximum=10**9
        )
    if fields.get("development_type"):
        refusals.check(
            v.choice,
            fields["development_type"],
            field="development_type",
            choices=DevelopmentType,
        )
    if "language" in fields:
        refusals.check(v.choice, fields["language"], field="language", choices=["ja", "en"])
    for name, rows in (("budget", budget), ("team", team), ("partners", partners)):
        if rows is not None and len(rows) > MAX_ROWS:
            refusals.errors[name] = [_("At most %(n)s rows.") % {"n": MAX_ROWS}]
    for i, row in enumerate(budget or [], 1):
        refusals.check(
            v.whole_number,
            row.get("fiscal_year"),
            field=f"budget.{i}.fiscal_year",
            minimum=first_fy,
            maximum=last_fy,
        )
        refusals.check(v.yen, row.get("requested_yen"), field=f"budget.{i}.requested_yen")
        if row.get("eligible_cost_yen") is not None:
            refusals.check(v.yen, row["eligible_cost_yen"], field=f"budget.{i}.eligible_cost_yen")
    for i, row in enumerate(team or [], 1):
        for name, limit in (("name", 100), ("affiliation", 200), ("role", 100)):
            row[name] = refusals.check(
                v.text, row.get(name), field=f"team.{i}.{name}", max_length=limit
            )
    for i, row in enumerate(partners or [], 1):
        row["name"] = refusals.check(
            v.text, row.get("name"), field=f"partners.{i}.name", max_length=200, required=True
        )
        country = str(row.get("country") or "")
        if not (len(country) == 2 and country.isascii() and country.isalpha()):
            refusals.errors[f"partners.{i}.country"] = [
                _("A two-letter country code such as JP or US.")
            ]
        refusals.check(
            v.choice, row.get("relation"), field=f"partners.{i}.relation", choices=PartnerRelation
        )
        row["special_capability"] = refusals.check(
            v.text, row.get("special_capability"), field=f"partners.{i}.special_capability"
        )
        number = row.get("corporate_number") or ""
        if number and not valid_corporate_number(number):
            refusals.errors[f"partners.{i}.corporate_number"] = [
                _("A corporate number (法人番号) has 13 digits, the first a check digit.")
            ]
    refusals.raise_any()
    return budget, team, partners


@transaction.atomic
def add_attachment(*, actor, proposal: Proposal, uploaded) -> Attachment:
    """Attach a PDF or office file (checked by its first bytes, its size and the totals)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require(permissions.can_edit(actor, proposal))
    name = uploaded.name
    existing = list(proposal.attachments.values_list("size", flat=True))
    if len(existing) >= MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachment": _("At most %(n)s files per proposal.") % {"n": MAX_ATTACHMENTS}}
        )
    if sum(existing) + uploaded.size > MAX_ATTACHMENTS_TOTAL_BYTES:
        raise ValidationError(
            {
                "attachment": _("All files together may be at most %(mb)s MB.")
                % {"mb": MAX_ATTACHMENTS_TOTAL_BYTES // 2**20}
            }
        )
    content_type, sha256 = check_document(uploaded, field="attachment")
    attachment = Attachment(
        proposal=proposal,
        original_name=name,
        content_type=content_type,
        size=uploaded.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    attachment.file.save(name, uploaded, save=False)
    attachment.save()
    record(
        actor=actor,
        action="proposal.attach",
        obj=proposal,
        after={"file": name, "size": uploaded.size, "sha256": attachment.sha256},
    )
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment: Attachment) -> None:
    """Remove a file from the working copy: only the proposing organisation's applicants, only
    while the proposal may be edited, and never a file that a submitted version holds (what was
    submitted stays readable). The stored file is deleted once the removal is committed (a
    removal rolled back keeps it). Side effect: audit record."""
    proposal = Proposal.objects.select_for_update().get(pk=attachment.proposal_id)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, proposal=proposal)
    _require(permissions.can_remove_attachment(actor, proposal, attachment))
    record(
        actor=actor,
        action="proposal.detach",
        obj=proposal,
        before={
            "file": attachment.original_name,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def open_attachment(*, actor, attachment: Attachment):
    """The stored file of `attachment`, opened for reading by `actor` once the permission allows
    it (`permissions.can_read_attachment`). Side effect: audit record of the download."""
    proposal = attachment.proposal
    _require(permissions.can_read_attachment(actor, proposal, attachment))
    handle = attachment.file.open("rb")
    record(
        actor=actor,
        action="proposal.attachment_download",
        obj=proposal,
        after={"file": attachment.original_name, "sha256": attachment.sha256},
    )
    return handle


#: A proposal's rows that its checks and its frozen version read.
PROPOSAL_ROWS = ("budget_lines", "team", "partners", "attachments")


def snapshot(proposal: Proposal) -> dict:
    """The proposal's content as it stands, as plain JSON: what a version freezes."""
    data = {name: getattr(proposal, name) for name in DRAFT_FIELDS}
    for name in ("start_date",):
        data[name] = data[name].isoformat() if data[name] else None
    data["set_value"] = str(data["set_value"]) if data["set_value"] is not None else None
    data["theme"] = proposal.theme.key
    data["budget"] = [
        {
            "fiscal_year": b.fiscal_year,
            "requested_yen": b.requested_yen,
            "eligible_cost_yen": b.eligible_cost_yen,
        }
        for b in proposal.budget_lines.all()
    ]
    data["team"] = [
        {
            "name": m.name,
            "researcher_number": m.researcher_number,
            "affiliation": m.affiliation,
            "role": m.role,
            "is_lead": m.is_lead,
        }
        for m in proposal.team.all()
    ]
    data["partners"] = [
        {
            "name": p.name,
            "country": p.country,
            "relation": p.relation,
            "role": p.role,
            "supplies_ai_compute": p.supplies_ai_compute,
            "special_capability": p.special_capability,
            "corporate_number": p.corporate_number,
        }
        for p in proposal.partners.all()
    ]
    data["attachments"] = [
        {"name": a.original_name, "size": a.size, "sha256": a.sha256}
        for a in proposal.attachments.all()
    ]
    return data


def _next_receipt_number(call: Call) -> str:
    """The call's next receipt number. Taken from a counter that does not hold a lock to the
    end of the submission (kikin.core.sequences), so that applicants submitting together at
    the deadline do not queue behind each other."""

    def counter_row() -> int:
        CallSequence.objects.get_or_create(call=call)
        CallSequence.objects.filter(call=call).update(last=F("last") + 1)
        return CallSequence.objects.get(call=call).last

    def given_so_far() -> int:
        row = CallSequence.objects.filter(call=call).values_list("last", flat=True).first()
        return (row or 0) + 1

    last = sequences.next_value(f"receipt_{call.pk}", start=given_so_far, fallback=counter_row)
    return f"{call.key}-{last:05d}"


def submit_proposal(
    *, actor, proposal: Proposal, submission_key: str, at=None, draft: dict | None = None
) -> ProposalVersion:
    """Freeze the working copy as a new version, inside the call's window (JST, checked here).

    `draft`, if given, is saved first as save_draft would (its keys: fields, budget, team,
    partners), under the same lock: the form's "submit" sends what it shows.
    Idempotent: a submission key already used returns its version unchanged, and nothing is
    saved again. The first submission gives the proposal its receipt number; later ones (while
    the call is open and the ministry has not yet reviewed it) add versions under the same number.
    Raises SubmissionRefused with every problem, PermissionDenied for the wrong person.
    Side effects: ProposalVersion, state change and audit record.
    """
    if not submission_key or len(submission_key) > 64:
        raise ValidationError({"submission_key": _("Missing or malformed submission key.")})
    try:
        return _submit_locked(
            actor=actor, pk=proposal.pk, submission_key=submission_key, at=at, draft=draft
        )
    except IntegrityError:
        # The same key raced in through another connection after this one had read the
        # proposal: that one won (the key is unique), and everything this one wrote is rolled
        # back with its savepoint. Answer with the winner's version.
        done = ProposalVersion.objects.filter(submission_key=submission_key).first()
        if done is None:
            raise
        return _same_proposal(done, proposal.pk)


def _same_proposal(version: ProposalVersion, pk: int) -> ProposalVersion:
    if version.proposal_id != pk:
        raise ValidationError(
            {"submission_key": _("This submission key belongs to another proposal.")}
        )
    return version


def _locked_for_submission(pk: int, key: str):
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("call__program", "theme__item", "organisation", "cap_exception")
        .annotate(
            version_of_key=Subquery(
                ProposalVersion.objects.filter(submission_key=key).values("pk")[:1]
            ),
            theme_in_call=Exists(
                Call.themes.through.objects.filter(
                    call_id=OuterRef("call_id"), theme_id=OuterRef("theme_id")
                )
            ),
        )
        .filter(pk=pk)
        .order_by()
    )


def _rows_of(relation: str) -> CompiledQuery:
    model = Proposal._meta.get_field(relation).related_model
    return CompiledQuery(lambda pk: model._default_manager.filter(proposal_id=pk), pk=-918_273_647)


#: The proposal's rows (PROPOSAL_ROWS), each read as prefetch_related reads it, compiled once.
_ROWS_FOR_SUBMISSION = {relation: _rows_of(relation) for relation in PROPOSAL_ROWS}


#: Compiled once a process (kikin.core.compiled): compiling it cost more than running it.
_LOCKED_FOR_SUBMISSION = CompiledQuery(
    _locked_for_submission, pk=-918_273_645, key="\x00placeholder-submission-key"
)


@transaction.atomic
def _submit_locked(*, actor, pk: int, submission_key: str, at, draft: dict | None):
    """submit_proposal's work, in one savepoint. A deadline brings hundreds of these together,
    so the proposal is read once, locked, with its rows and with the two facts the checks would
    otherwise each ask for: the version this key already made (if any) and whether the theme is
    open in the call. The checks and the frozen version use the same rows."""
    found = _LOCKED_FOR_SUBMISSION.fetch(pk=pk, key=submission_key)
    if not found:
        raise Proposal.DoesNotExist("No proposal matches the given query.")
    proposal = found[0]
    if proposal.version_of_key is not None:
        return _same_proposal(ProposalVersion.objects.get(pk=proposal.version_of_key), pk)
    for relation, rows in _ROWS_FOR_SUBMISSION.items():
        attach_rows(proposal, relation, rows.fetch(pk=pk))
    if proposal.theme.program_id == proposal.call.program_id:  # read once, not twice
        proposal.theme.program = proposal.call.program
    if draft is not None:
        _save_locked_draft(
            actor,
            proposal,
            draft.get("fields") or {},
            draft.get("budget"),
            draft.get("team"),
            draft.get("partners"),
        )
        if not hasattr(proposal, "_prefetched_objects_cache") or not all(
            name in proposal._prefetched_objects_cache for name in PROPOSAL_ROWS
        ):
            prefetch_related_objects([proposal], *PROPOSAL_ROWS)
    at = at or timeutil.now()
    if not proposal.call.is_open(at):
        raise SubmissionRefused(
            [
                Problem(
                    "call",
                    _(
                        "The call is closed: proposals are accepted from %(opens)s to %(closes)s (JST)."
                    )
                    % {
                        "opens": timezone.localtime(proposal.call.opens_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                        "closes": timezone.localtime(proposal.call.closes_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    },
                )
            ]
        )
    _require(permissions.can_edit(actor, proposal))
    _require_verified_email(actor)
    problems = check_proposal(proposal)
    if problems:
        raise SubmissionRefused(problems)
    first = proposal.state == ProposalState.DRAFT
    also = {"version_count": proposal.version_count + 1}
    if first:
        also |= {"receipt_number": _next_receipt_number(proposal.call), "submitted_at": at}
    # No savepoint of its own: a key that raced in meanwhile fails this insert, and
    # submit_proposal answers from outside this function's savepoint.
    version = ProposalVersion.objects.create(
        proposal=proposal,
        number=also["version_count"],
        content=snapshot(proposal),
        submitted_at=at,
        submitted_by=actor,
        submission_key=submission_key,
    )
    # The state, the receipt number and the version count in one UPDATE, with the audit record.
    apply_transition(
        proposal,
        "submit" if first else "resubmit",
        actor,
        also=also,
        extra={
            "receipt_number": also.get("receipt_number", proposal.receipt_number),
            "version": version.number,
        },
    )
    return version


@transaction.atomic
def withdraw_proposal(*, actor, proposal: Proposal, reason: str = "") -> Proposal:
    """The proposing organisation withdraws a draft or a submitted proposal (a draft withdrawn
    never had a receipt number and keeps none). Side effects: state change and audit record."""
    reason = v.text(reason, field="reason")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not permissions.is_member(actor, proposal):
        raise PermissionDenied(_("Only the proposing organisation may withdraw its proposal."))
    return apply_transition(proposal, "withdraw", actor, note=reason)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: object
    after: object
    lines: list[str]


def diff_versions(old: dict, new: dict) -> list[FieldChange]:
    """What changed between two versions' contents, field by field, with a line diff for texts."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        lines = []
        if isinstance(a, str) and isinstance(b, str):
            lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
        changes.append(FieldChange(key, a, b, lines))
    return changes


# --------------------------------------------------------------------------------------------
# Calls, opened and edited by the agency's officers (their pages: kikin.calls.call_views; the
# admin's audited forms: kikin.calls.admin)

CALL_FIELDS = (
    "title_ja",
    "title_en",
    "opens_at",
    "closes_at",
    "reviews_due_at",
    "budget_total_yen",
    "cycle",
    "note_ja",
    "note_en",
    "peer_reviews",
)
#: The most documents one call publishes.
MAX_CALL_DOCUMENTS = 30


def _jst_date(at) -> dt.date:
    return timezone.localtime(at, JST).date()


def _jst_text(at) -> str:
    return timezone.localtime(at, JST).strftime("%Y-%m-%d %H:%M")


def _check_call_dates(program, values: dict, refusals: v.Refusals) -> None:
    """The call's dates in their order and inside the program's life (JST days): it opens, then
    its deadline, then the reviews are due, at the latest at the end of the day the adoption
    decision is due (55 days after the deadline, `kikin.rules.deadlines.adoption_due_date`)."""
    opens, closes, due = (values.get(f) for f in ("opens_at", "closes_at", "reviews_due_at"))
    for field, at in (("opens_at", opens), ("closes_at", closes), ("reviews_due_at", due)):
        if at is None:
            continue
        if not isinstance(at, dt.datetime) or at.tzinfo is None:
            refusals.errors.setdefault(field, []).append(
                _("A date and time such as 2027-04-01 10:00.")
            )
            values[field] = None
            continue
        refusals.check(
            v.date_between,
            _jst_date(at),
            field=field,
            first=program.start_date,
            last=program.end_date,
            what=_("the program's life"),
        )
    opens, closes, due = (values.get(f) for f in ("opens_at", "closes_at", "reviews_due_at"))
    if opens and closes and closes <= opens:
        refusals.errors.setdefault("closes_at", []).append(_("A call must close after it opens."))
    if closes and due:
        latest = jst_end_of(adoption_due_date(_jst_date(closes)))
        if due <= closes:
            refusals.errors.setdefault("reviews_due_at", []).append(
                _("Reviews are due after the deadline (%(closes)s JST).")
                % {"closes": _jst_text(closes)}
            )
        elif due > latest:
            refusals.errors.setdefault("reviews_due_at", []).append(
                _(
                    "Reviews are due by %(day)s at the latest: the adoption decision comes at "
                    "most %(n)s days after the deadline."
                )
                % {"day": latest.date().isoformat(), "n": ADOPTION_LIMIT_DAYS}
            )


def _call_values(call: Call, themes, values: dict) -> list:
    """Check a call's values onto `call` (not saved); the themes checked against its program,
    the dates against each other and the program's life. Every refusal at once."""
    from .models import PeerReviews

    refusals = v.Refusals()
    for field, length in (
        ("title_ja", 300),
        ("title_en", 300),
        ("note_ja", None),
        ("note_en", None),
    ):
        values[field] = refusals.check(v.text, values.get(field), field=field, max_length=length)
    if "title_ja" not in refusals.errors and not values["title_ja"]:
        refusals.errors["title_ja"] = [_("Required.")]
    if values.get("budget_total_yen") is not None:
        refusals.check(v.yen, values["budget_total_yen"], field="budget_total_yen")
    if values.get("cycle") is not None:
        refusals.check(v.whole_number, values["cycle"], field="cycle", minimum=1, maximum=1000)
    values["peer_reviews"] = values.get("peer_reviews") or PeerReviews.AFTER_OWN
    refusals.check(v.choice, values["peer_reviews"], field="peer_reviews", choices=PeerReviews)
    for field in ("opens_at", "closes_at"):
        if values.get(field) is None:
            refusals.errors.setdefault(field, []).append(_("Required."))
    _check_call_dates(call.program, values, refusals)
    themes = list(themes or ())
    if not themes:
        refusals.errors["themes"] = [_("Choose at least one theme.")]
    elif any(t.program_id != call.program_id for t in themes):
        refusals.errors["themes"] = [_("Every theme of a call belongs to the call's program.")]
    refusals.raise_any()
    for field in CALL_FIELDS:
        setattr(call, field, values.get(field))
    v.validate_instance(call, exclude=["themes"])
    return themes


@transaction.atomic
def create_call(*, actor, program, key: str, themes, **values) -> Call:
    """An officer opens a call for proposals on some of a program's themes (the terms that
    apply are those of the plan revision in force on its opening day)."""
    _require_officer(actor)
    if program is None:
        raise ValidationError({"program": [_("Choose the program.")]})
    unknown = set(values) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"unknown call fields: {sorted(unknown)}")
    refusals = v.Refusals()
    key = refusals.check(v.text, key, field="key", max_length=32, required=True)
    if key and Call.objects.filter(program=program, key=key).exists():
        refusals.errors["key"] = [_("The program has a call with this key already.")]
    call = Call(program=program, key=key or "")
    try:
        themes = _call_values(call, themes, values)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            refusals.errors.setdefault(field, []).extend(messages)
    refusals.raise_any()
    call.save()
    call.themes.set(themes)
    record(
        actor=actor,
        action="call.create",
        obj=call,
        after=_call_audit(call, themes),
    )
    return call


def _limits_once_proposed(call: Call, values: dict, themes, at) -> dict[str, list[str]]:
    """What may no longer change once proposals have been started under `call` (drafts
    included: applicants are working to its dates): the opening stays; the deadline may be
    extended while the call is open, never brought forward, nor moved once it has passed; a
    theme that has proposals stays on the call."""
    errors: dict[str, list[str]] = {}
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and opens != call.opens_at:
        errors["opens_at"] = [
            _("Proposals have been started under this call: its opening can no longer be moved.")
        ]
    if closes is not None and closes != call.closes_at:
        if call.closes_at < at:
            errors["closes_at"] = [
                _(
                    "The call closed on %(closes)s (JST) with proposals: its deadline can no "
                    "longer be changed."
                )
                % {"closes": _jst_text(call.closes_at)}
            ]
        elif closes < call.closes_at:
            errors["closes_at"] = [
                _(
                    "Proposals have been started under this call: its deadline (%(closes)s JST) "
                    "may be extended, not brought forward."
                )
                % {"closes": _jst_text(call.closes_at)}
            ]
    kept = {t.pk for t in themes or ()}
    taken_off = [t for t in call.themes.select_related("item") if t.pk not in kept]
    with_proposals = set(
        call.proposals.filter(theme__in=taken_off).values_list("theme_id", flat=True)
    )
    if with_proposals:
        names = ", ".join(f"{t.item.symbol}({t.code})" for t in taken_off if t.pk in with_proposals)
        errors["themes"] = [
            _("%(themes)s: a theme that has proposals cannot be taken off the call.")
            % {"themes": names}
        ]
    return errors


@transaction.atomic
def update_call(*, actor, call: Call, themes, **values) -> Call:
    """An officer edits a call: its titles, dates, budget, notes and themes. Once proposals
    have been started under it, `_limits_once_proposed` says what may still change."""
    _require_officer(actor)
    unknown = set(values) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"unknown call fields: {sorted(unknown)}")
    call = Call.objects.select_for_update().select_related("program").get(pk=call.pk)
    old_themes = list(call.themes.all())
    before = _call_audit(call, old_themes)
    errors: dict[str, list[str]] = {}
    if call.proposals.exists():
        errors = _limits_once_proposed(call, values, themes, timeutil.now())
    try:
        themes = _call_values(call, themes, values)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors[field])
    if errors:
        raise ValidationError(errors)
    after = _call_audit(call, themes)
    if after == before:
        raise ValidationError({"title_ja": [_("Nothing changes.")]})
    call.save()
    call.themes.set(themes)
    record(actor=actor, action="call.update", obj=call, before=before, after=after)
    return call


def _require_officer(actor) -> None:
    """Only the agency's officers open and edit calls (`permissions.can_manage_calls`)."""
    _require(permissions.can_manage_calls(actor))


def _call_audit(call: Call, themes) -> dict:
    out = {field: getattr(call, field) for field in CALL_FIELDS}
    for field in ("opens_at", "closes_at", "reviews_due_at"):
        out[field] = out[field].isoformat() if out[field] else None
    out["themes"] = sorted(t.pk for t in themes)
    return out


@transaction.atomic
def add_call_document(
    *, actor, call: Call, uploaded, kind: str, title_ja: str, title_en: str = ""
) -> CallDocument:
    """Publish a document with a call (its guidelines, the proposal forms, …): a PDF or office
    file checked by its content (`kikin.core.files.check_document`), stored under a generated
    name. Side effect: audit record."""
    _require_officer(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    refusals = v.Refusals()
    title_ja = refusals.check(v.text, title_ja, field="title_ja", max_length=200, required=True)
    title_en = refusals.check(v.text, title_en, field="title_en", max_length=200)
    refusals.check(v.choice, kind, field="kind", choices=CallDocumentKind)
    checked = None
    if uploaded is None:
        refusals.errors["document"] = [_("Choose a file.")]
    elif call.documents.count() >= MAX_CALL_DOCUMENTS:
        refusals.errors["document"] = [
            _("At most %(n)s documents per call.") % {"n": MAX_CALL_DOCUMENTS}
        ]
    else:
        checked = refusals.check(check_document, uploaded, field="document")
    refusals.raise_any()
    content_type, sha256 = checked
    document = CallDocument(
        call=call,
        kind=kind,
        title_ja=title_ja,
        title_en=title_en or "",
        original_name=uploaded.name,
        content_type=content_type,
        size=uploaded.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    document.file.save(uploaded.name, uploaded, save=False)
    try:
        document.save()
    except Exception:  # refused by the row's own checks: the stored file goes too
        document.file.storage.delete(document.file.name)
        raise
    record(
        actor=actor,
        action="call.add_document",
        obj=call,
        after={
            "document": document.pk,
            "kind": kind,
            "title": title_ja,
            "file": uploaded.name,
            "size": uploaded.size,
            "sha256": sha256,
        },
    )
    return document


@transaction.atomic
def remove_call_document(*, actor, document: CallDocument) -> None:
    """Take a document off a call while no proposal has been started under it
    (`permissions.can_remove_call_document`). The stored file is deleted once the removal is
    committed. Side effect: audit record."""
    call = Call.objects.select_for_update().get(pk=document.call_id)
    document = CallDocument.objects.select_for_update().get(pk=document.pk, call=call)
    _require(permissions.can_remove_call_document(actor, document))
    record(
        actor=actor,
        action="call.remove_document",
        obj=call,
        before={
            "document": document.pk,
            "title": document.title_ja,
            "file": document.original_name,
            "sha256": document.sha256,
        },
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
