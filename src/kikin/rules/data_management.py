"""Research results: intellectual property and research data of the fund's themes.

Seed: 000_628dcc7e01f6f899.txt lines 5337–5359. The IP and the R&D data that come from the
program follow, in principle, the ministry's guideline on IP management in contract R&D
(委託研究開発における知的財産マネジメントに関する運用ガイドライン, line 5347) and its companion on
data management (委託研究開発におけるデータマネジメントに関する運用ガイドライン, line 5349). For a
theme that the agency carries out by contract (委託), an IP committee (知財委員会) is set up at the
contractor for the theme or for each research item in it, deciding on publishing papers and on
filing and keeping patents and other rights, and coordinating licences where needed, with the
agency's advice and guidance (lines 5350–5357).

Our design (the seed does not say when): the data management plan is asked for when the award is
made, versioned, and the version in force at each stage gate is shown to the committee.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

CONTRACT = "contract"

#: What an IP committee decides on (lines 5353–5356).
IP_DECISION_KINDS = ("publication", "filing", "maintenance", "licensing", "policy", "other")


def ip_committee_required(form: str) -> bool:
    """An IP committee is set up for each theme the agency carries out by contract (委託), not for
    grants (000 lines 5350–5352)."""
    return form == CONTRACT


def version_in_force[T](versions: Sequence[tuple[dt.datetime, T]], at: dt.datetime) -> T | None:
    """The latest of `versions` (submitted-at, version) submitted at or before `at`; None when the
    first came later (the plan was missing then)."""
    chosen = None
    chosen_at = None
    for submitted_at, version in versions:
        if submitted_at <= at and (chosen_at is None or submitted_at >= chosen_at):
            chosen, chosen_at = version, submitted_at
    return chosen
