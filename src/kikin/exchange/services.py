"""Imports of exchange files: every row through the same services as the pages, all or nothing.

`import_file` reads the file (UTF-8 with or without a BOM, or Shift_JIS), checks every cell,
then applies the rows in one transaction, each proposal's rows in a savepoint of their own so that
a refused row does not hide the problems of the rows after it. If any row is refused, nothing
is kept: the transaction is rolled back and every problem is reported with its line, its column
(by the column's name in the user's language) and the rule. Writes go through
`calls.services.create_proposal` / `save_draft` and `review.services.record_decision`, which
check permissions and write their own audit records; a successful import adds one more
(`exchange.import`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kikin.audit.services import record
from kikin.calls import services as calls
from kikin.calls.models import Call
from kikin.calls.selectors import proposals_for_user
from kikin.calls.workflow import TransitionError
from kikin.review import services as review
from kikin.rules.identifiers import (
    is_valid_corporate_number,
    is_valid_researcher_number,
    normalise_digits,
)

from . import csvio
from .layouts import LAYOUTS, CellError, Col, match_headers, parse_outcome, read_cell
from .permissions import can_import

MAX_ROWS = 50_000
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the column's name in the user's language; "" for the whole row or file
    message: str

    def __str__(self):
        where = _("line %(n)s") % {"n": self.line}
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ImportRefused(Exception):
    """Nothing was imported; `errors` says why, line by line."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    proposal_ids: list[int] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    values: dict  # by column key


def _label(kind: str, key: str) -> str:
    for col in LAYOUTS[kind]:
        if col.key == key:
            return col.label
    return key if key not in ("__all__", "") else ""


def _service_errors(kind: str, line: int, exc: Exception) -> list[RowError]:
    """A refused service call as row errors, its field names turned into column names."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            RowError(line, _label(kind, key), " ".join(messages))
            for key, messages in exc.message_dict.items()
        ]
    messages = getattr(exc, "messages", None) or [str(exc)]
    return [RowError(line, "", " ".join(str(m) for m in messages))]


def _parse(kind: str, data: bytes, encoding: str) -> list[_Row]:
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            [RowError(1, "", _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES >> 20})]
        )
    try:
        text = csvio.decode(data, encoding)
        headers, rows = csvio.read_rows(text)
    except csvio.FileRefused as e:
        raise ImportRefused(
            [RowError(e.line, "", _("The file cannot be read: %(why)s.") % {"why": e})]
        ) from None
    columns, problems = match_headers(kind, headers)
    if problems:
        raise ImportRefused([RowError(1, "", p) for p in problems])
    if len(rows) > MAX_ROWS:
        raise ImportRefused(
            [RowError(1, "", _("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"})]
        )
    if not rows:
        raise ImportRefused([RowError(2, "", _("The file has no rows."))])
    errors, out = [], []
    for row in rows:
        values = {}
        for header, col in columns.items():
            if col.export_only:
                continue
            raw = row.cells.get(header, "")
            try:
                value = read_cell(col, raw)
            except CellError as e:
                errors.append(RowError(row.line, col.label, str(e)))
                continue
            values[col.key] = csvio.unguard(value) if col.kind == "text" else value
        for col in LAYOUTS[kind]:
            if col.required and not col.export_only and values.get(col.key) in (None, ""):
                if col.key == "id" and kind == "proposals":
                    continue  # a blank ID starts a new proposal
                if not any(e.line == row.line and e.column == col.label for e in errors):
                    errors.append(RowError(row.line, col.label, _("This cell is required.")))
        out.append(_Row(row.line, values))
    if errors:
        raise ImportRefused(errors)
    return out


def _own_proposal(actor, pk, line: int, kind: str):
    proposal = (
        proposals_for_user(actor)
        .select_related("call__program", "theme__item")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise _RowRefused(
            [RowError(line, _label(kind, "id"), _("No proposal with this ID is yours to change."))]
        )
    return proposal


class _RowRefused(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


def _proposal_row(actor, row: _Row, result: ImportResult) -> None:
    v = row.values
    label = lambda key: _label("proposals", key)  # noqa: E731
    corporate = normalise_digits(v.get("corporate_number") or "")
    if corporate:
        own = actor.organisation.corporate_number
        if not is_valid_corporate_number(corporate):
            raise _RowRefused(
                [
                    RowError(
                        row.line,
                        label("corporate_number"),
                        _("Not a corporate number: 13 digits whose first is the check digit."),
                    )
                ]
            )
        if corporate != own:
            raise _RowRefused(
                [
                    RowError(
                        row.line,
                        label("corporate_number"),
                        _("This is not your organisation's corporate number (%(own)s).")
                        % {"own": own or _("none recorded")},
                    )
                ]
            )
    if v.get("id"):
        proposal = _own_proposal(actor, v["id"], row.line, "proposals")
        for key, actual in (
            ("program", proposal.call.program.code),
            ("call", proposal.call.key),
            ("theme", proposal.theme.key),
        ):
            if v.get(key) != actual:
                raise _RowRefused(
                    [
                        RowError(
                            row.line,
                            label(key),
                            _("The proposal is for “%(actual)s”; it cannot be moved.")
                            % {"actual": actual},
                        )
                    ]
                )
        result.updated += 1
    else:
        call = (
            Call.objects.select_related("program")
            .filter(program__code=v.get("program"), key=v.get("call"))
            .first()
        )
        if call is None:
            raise _RowRefused(
                [RowError(row.line, label("call"), _("No such call in this program."))]
            )
        item, _sep, code = (v.get("theme") or "").partition("-")
        theme = call.themes.filter(item__number=item if item.isdigit() else -1, code=code).first()
        if theme is None:
            raise _RowRefused(
                [RowError(row.line, label("theme"), _("This theme is not open in this call."))]
            )
        proposal = calls.create_proposal(actor=actor, call=call, theme=theme)
        result.created += 1
    fields = {k: val for k, val in v.items() if k in calls.DRAFT_FIELDS}
    for key in list(fields):
        if fields[key] is None and key in {
            "title",
            "abstract",
            "plan",
            "cap_option",
            "continuation_plan",
            "leakage_core_technologies",
            "leakage_access_control",
            "leakage_staff_management",
            "leakage_partner_controls",
            "development_type",
            "benchmark_target",
            "compute_provider",
            "accelerator_type",
        }:
            fields[key] = ""
    calls.save_draft(actor=actor, proposal=proposal, fields=fields)
    result.proposal_ids.append(proposal.pk)


def _grouped(rows: list[_Row]) -> OrderedDict[int, list[_Row]]:
    groups: OrderedDict[int, list[_Row]] = OrderedDict()
    for row in rows:
        groups.setdefault(row.values["id"], []).append(row)
    return groups


def _members(actor, pk: int, rows: list[_Row], result: ImportResult) -> None:
    proposal = _own_proposal(actor, pk, rows[0].line, "members")
    team, errors = [], []
    for row in rows:
        v = row.values
        number = normalise_digits(v.get("researcher_number") or "")
        if number and not is_valid_researcher_number(number):
            errors.append(
                RowError(
                    row.line,
                    _label("members", "researcher_number"),
                    _("An e-Rad researcher number (研究者番号) has 8 digits."),
                )
            )
        team.append(
            {
                "name": v.get("name") or "",
                "researcher_number": number,
                "affiliation": v.get("affiliation") or "",
                "role": v.get("role") or "",
                "is_lead": bool(v.get("is_lead")),
            }
        )
    if sum(m["is_lead"] for m in team) > 1:
        errors.append(
            RowError(
                rows[0].line,
                _label("members", "is_lead"),
                _("A proposal has one principal investigator."),
            )
        )
    if errors:
        raise _RowRefused(errors)
    calls.save_draft(actor=actor, proposal=proposal, fields={}, team=team)
    result.updated += 1
    result.proposal_ids.append(proposal.pk)


def _budgets(actor, pk: int, rows: list[_Row], result: ImportResult) -> None:
    proposal = _own_proposal(actor, pk, rows[0].line, "budgets")
    seen, budget, errors = {}, [], []
    for row in rows:
        v = row.values
        fy = v["fiscal_year"]
        if fy in seen:
            errors.append(
                RowError(
                    row.line,
                    _label("budgets", "fiscal_year"),
                    _("Fiscal year %(fy)s is already on line %(line)s.")
                    % {"fy": fy, "line": seen[fy]},
                )
            )
            continue
        seen[fy] = row.line
        budget.append(
            {
                "fiscal_year": fy,
                "requested_yen": v["requested_yen"],
                "eligible_cost_yen": v.get("eligible_cost_yen"),
            }
        )
    if errors:
        raise _RowRefused(errors)
    calls.save_draft(actor=actor, proposal=proposal, fields={}, budget=budget)
    result.updated += 1
    result.proposal_ids.append(proposal.pk)


def _adoption_row(actor, row: _Row, result: ImportResult) -> None:
    v = row.values
    try:
        outcome = parse_outcome(v.get("outcome") or "")
    except CellError as e:
        raise _RowRefused([RowError(row.line, _label("adoptions", "outcome"), str(e))]) from None
    proposal = proposals_for_user(actor).filter(receipt_number=v.get("receipt_number")).first()
    if proposal is None:
        raise _RowRefused(
            [
                RowError(
                    row.line,
                    _label("adoptions", "receipt_number"),
                    _("No submitted proposal has this receipt number."),
                )
            ]
        )
    review.record_decision(
        actor=actor,
        proposal=proposal,
        outcome=outcome,
        reason=v.get("reason") or "",
        conditions=v.get("conditions") or "",
        adopted_as_item=v.get("adopted_as_item"),
        override_reason=v.get("override_reason") or "",
    )
    result.created += 1
    result.proposal_ids.append(proposal.pk)


def _units(kind: str, rows: list[_Row]):
    """(first line, callable(actor, result)) per unit of work: a row, or a proposal's rows."""
    if kind == "proposals":
        return [(r.line, lambda a, res, r=r: _proposal_row(a, r, res)) for r in rows]
    if kind == "adoptions":
        return [(r.line, lambda a, res, r=r: _adoption_row(a, r, res)) for r in rows]
    apply = _members if kind == "members" else _budgets
    return [
        (group[0].line, lambda a, res, pk=pk, group=group: apply(a, pk, group, res))
        for pk, group in _grouped(rows).items()
    ]


def import_file(
    *, actor, kind: str, data: bytes, encoding: str = "auto", progress=None
) -> ImportResult:
    """Import one exchange file of `kind` (layouts.KINDS) as `actor`: all rows or none.

    Raises ImportRefused with every problem found (line, column, rule), PermissionDenied when
    `actor` may not import this kind at all. `progress(done, total, message)`, if given, hears
    of each proposal's rows as they are applied (the background job's progress). Side effects: the services' own records and audit
    records, and one `exchange.import` audit record.
    """
    ok, reason = can_import(actor, kind)
    if not ok:
        raise PermissionDenied(reason)
    rows = _parse(kind, data, encoding)
    result = ImportResult(kind=kind, rows=len(rows))
    errors: list[RowError] = []
    units = _units(kind, rows)
    with transaction.atomic():
        for done, (line, apply) in enumerate(units):
            if progress is not None and done % 50 == 0:
                progress(done, len(units), _("Importing the rows"))
            try:
                with transaction.atomic():
                    apply(actor, result)
            except _RowRefused as e:
                errors.extend(e.errors)
            except (ValidationError, PermissionDenied, TransitionError, ObjectDoesNotExist) as e:
                errors.extend(_service_errors(kind, line, e))
            except calls.SubmissionRefused as e:
                errors.extend(RowError(line, _label(kind, p.field), str(p)) for p in e.problems)
        if errors:
            errors.sort(key=lambda e: e.line)
            raise ImportRefused(errors)
        record(
            actor=actor,
            action="exchange.import",
            obj=actor,
            after={
                "kind": kind,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
            },
        )
    return result


def columns_of(kind: str) -> list[Col]:
    return LAYOUTS[kind]
