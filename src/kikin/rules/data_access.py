"""Who gets shared research data, and on what grounds.

Seeds: 000_628dcc7e01f6f899.txt lines 1855–1881 (theme (g4)'s data platform) and
001_5b63cb13367a1d27.txt lines 4136–4139 (GENIAC's data and generative-AI utilisation
demonstrations), and the open-and-close strategy of 004_f50760bfabd8ff0a.txt lines 153 and 203.

- The conditions of use are written down, and the data is supplied fairly to every user who meets
  them; the data supplied is never restricted by the kind of user (000 lines 1871–1873; 001 lines
  4136–4138). So nothing here takes the kind of user (company or university, role, size) as an
  input: it cannot make a difference.
- The conditions exclude those who, past conduct included, do not comply with Japanese law or
  internationally accepted norms, or whose cyber security is subject to foreign legal influence
  (国際基準不遵守等事業者, lines 1874–1880); a platform's data manager is never changed to such a
  party after the project (line 1881). Security is kept in mind (001 line 4139).
- The data manager checks that the conditions are met and has no other discretion: with every
  condition met and the requester not excluded, the request is approved (our reading of
  "公平に提供すること").

Access levels (our reading of the open-and-close strategy, 004 lines 153 and 203): ``open``
(anyone), ``shared`` (supplied under the written conditions to whoever meets them), ``closed``
(the managing organisation only) and ``embargoed`` (closed until a date, open from it).

Everything returns an ``AccessOutcome`` with a code the apps turn into words; nothing here
imports Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import RuleError

OPEN, SHARED, CLOSED, EMBARGOED = "open", "shared", "closed", "embargoed"
LEVELS = (OPEN, SHARED, CLOSED, EMBARGOED)

#: Sectors whose taking part a platform must show (産業界と学術界が広く参加, 000 lines 1858–1860).
INDUSTRY, ACADEMIA, PUBLIC = "industry", "academia", "public"
SECTORS = (INDUSTRY, ACADEMIA, PUBLIC)

#: Who pays for a platform's storage in a fiscal year.
PAYER_FUND, PAYER_MANAGER = "fund", "data_manager"
PAYERS = (PAYER_FUND, PAYER_MANAGER)


@dataclass(frozen=True)
class Screening:
    """What the data manager checks about a requester (or a would-be data manager) besides the
    written conditions: the register of excluded parties and the requester's two declarations.

    There is deliberately no field for the kind of user."""

    on_register: bool = False
    declares_compliance: bool = False  # Japanese law and international norms, past conduct included
    declares_no_foreign_influence: bool = False  # cyber security free of foreign legal influence


@dataclass(frozen=True)
class AccessOutcome:
    allowed: bool
    code: str
    details: tuple[str, ...] = ()
    until: dt.date | None = None


def level_in_force(level: str, embargo_until: dt.date | None, on: dt.date) -> str:
    """The level that applies on `on`: an embargoed dataset is open from its embargo date on.

    Our reading of 004 lines 153 and 203 (data kept closed until a date, then opened). The embargo
    date itself is the first open day (JST)."""
    if level not in LEVELS:
        raise RuleError("access_level", f"{level!r} is not one of {LEVELS}")
    if level == EMBARGOED:
        if embargo_until is None:
            raise RuleError("embargo_until", "an embargoed dataset needs the date it opens")
        return OPEN if on >= embargo_until else EMBARGOED
    return level


def exclusion_reasons(screening: Screening) -> tuple[str, ...]:
    """Why a party is one to whom no data is supplied (000 lines 1874–1880), or () if it is not.

    Codes: ``on_register`` (recorded as 国際基準不遵守等事業者), ``no_compliance`` (has not declared
    compliance with Japanese law and international norms, past conduct included),
    ``foreign_influence`` (has not declared its cyber security free of foreign legal influence)."""
    reasons = []
    if screening.on_register:
        reasons.append("on_register")
    if not screening.declares_compliance:
        reasons.append("no_compliance")
    if not screening.declares_no_foreign_influence:
        reasons.append("foreign_influence")
    return tuple(reasons)


def _not_shared(level: str, embargo_until: dt.date | None) -> AccessOutcome:
    if level == OPEN:
        return AccessOutcome(False, "no_request_needed")
    if level == EMBARGOED:
        return AccessOutcome(False, "embargoed", until=embargo_until)
    return AccessOutcome(False, "closed")


def decide_request(
    *,
    level: str,
    embargo_until: dt.date | None,
    on: dt.date,
    conditions: Sequence[str],
    checks: Mapping[str, bool],
    screening: Screening,
) -> AccessOutcome:
    """The data manager's decision on a request for shared data, from the checks alone.

    000 lines 1871–1880; 001 lines 4136–4139. `conditions` are the codes of the written
    conditions in force; `checks` says for each whether the requester meets it (every one must be
    checked, and only those). Refused, with the reason: data that is not shared on that day
    (open needs no request; closed; embargoed until its date), an excluded party, a condition not
    met (each named). Otherwise approved: the manager has no other discretion."""
    unknown = sorted(set(checks) - set(conditions))
    if unknown:
        raise RuleError(f"checks.{unknown[0]}", "is not one of the written conditions")
    missing = [c for c in conditions if c not in checks]
    if missing:
        raise RuleError(f"checks.{missing[0]}", "every written condition must be checked")
    in_force = level_in_force(level, embargo_until, on)
    if in_force != SHARED:
        return _not_shared(in_force, embargo_until)
    reasons = exclusion_reasons(screening)
    if reasons:
        return AccessOutcome(False, "excluded", reasons)
    unmet = tuple(c for c in conditions if not checks[c])
    if unmet:
        return AccessOutcome(False, "conditions_unmet", unmet)
    return AccessOutcome(True, "approved")


def may_download(
    *,
    level: str,
    embargo_until: dt.date | None,
    on: dt.date,
    is_manager: bool,
    has_grant: bool,
    on_register: bool,
) -> AccessOutcome:
    """Whether a file of a dataset may be downloaded on `on`.

    The managing organisation always may (it holds the data). Otherwise: open data by anyone;
    shared data by a holder of a grant under the conditions in force, unless recorded as an
    excluded party since (000 lines 1874–1880: no data is supplied to one); closed data by
    no one else; embargoed data by no one else until its date (then it is open)."""
    if is_manager:
        return AccessOutcome(True, "manager")
    in_force = level_in_force(level, embargo_until, on)
    if in_force == OPEN:
        return AccessOutcome(True, "open")
    if in_force == SHARED:
        if on_register:
            return AccessOutcome(False, "excluded", ("on_register",))
        if has_grant:
            return AccessOutcome(True, "granted")
        return AccessOutcome(False, "request_needed")
    return _not_shared(in_force, embargo_until)


def may_become_data_manager(screening: Screening) -> AccessOutcome:
    """A platform's data manager is never changed to an excluded party (000 line 1881)."""
    reasons = exclusion_reasons(screening)
    if reasons:
        return AccessOutcome(False, "excluded", reasons)
    return AccessOutcome(True, "eligible")


def storage_payer_allowed(*, fiscal_year: int, last_project_year: int, payer: str) -> AccessOutcome:
    """Who may pay for a platform's storage in a fiscal year (000 lines 1864–1870).

    The data manager keeps paying for storing and supplying the data after the project; the fund
    (NEDO) cannot pay for storage after the project's last fiscal year."""
    if payer not in PAYERS:
        raise RuleError("payer", f"{payer!r} is not one of {PAYERS}")
    if payer == PAYER_FUND and fiscal_year > last_project_year:
        return AccessOutcome(False, "fund_after_project")
    return AccessOutcome(True, "allowed")


@dataclass(frozen=True)
class Duty:
    code: str
    met: bool
    line: int
    source: str = "000_628dcc7e01f6f899.txt"


def platform_duties(
    *,
    sectors: Iterable[str],
    conditions_written: bool,
    storage_committed: bool,
    open_instructions: int,
    manager_screening: Screening | None,
    unanswered_feedback: int,
) -> list[Duty]:
    """The duties of a shared-data platform and whether each is met now.

    - ``industry_and_academia``: industry and academia take part (000 lines 1858–1860);
    - ``link_instructions``: the ministry's instructions on linking with other platforms are
      followed after consultation; none is left open (lines 1861–1863);
    - ``storage_after_project``: the data manager has committed to keep paying for storing and
      supplying the data after the project (lines 1864–1870);
    - ``conditions_written``: the conditions of use are written down (lines 1871–1873);
    - ``manager_not_excluded``: a data manager is named and is not an excluded party (line 1881);
    - ``feedback_answered``: users' feedback is taken and answered, so that the data grows
      (001 lines 4141–4143).
    """
    sectors = set(sectors)
    manager_ok = manager_screening is not None and not exclusion_reasons(manager_screening)
    return [
        Duty("industry_and_academia", {INDUSTRY, ACADEMIA} <= sectors, 1858),
        Duty("link_instructions", open_instructions == 0, 1861),
        Duty("storage_after_project", storage_committed, 1864),
        Duty("conditions_written", conditions_written, 1871),
        Duty("manager_not_excluded", manager_ok, 1881),
        Duty("feedback_answered", unanswered_feedback == 0, 4141, "001_5b63cb13367a1d27.txt"),
    ]
