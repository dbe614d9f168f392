"""Builders for the compliance tests: an award in progress since 2025-04-01 and a report's measures."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from kikin.awards.models import Award
from kikin.awards.services import create_award
from kikin.compliance import services
from tests.awards.test_money import adopted

START = dt.date(2025, 4, 1)
PERIOD_END = dt.date(2030, 3, 31)


def make_award(plan, **kw) -> SimpleNamespace:
    """An adopted proposal's award, moved to run from 2025-04-01 to 2030-03-31."""
    p, applicant, ministry, agency = adopted(plan, **kw)
    award = create_award(actor=agency, proposal=p)
    Award.objects.filter(pk=award.pk).update(start_date=START, period_end=PERIOD_END)
    award.refresh_from_db()
    return SimpleNamespace(
        award=award, applicant=applicant, ministry=ministry, agency=agency, proposal=p
    )


MEASURES = {
    "core_technologies": "仮想化コアの制御ソフトウェア",
    "access_control": "開発環境は社内ネットワークに限定し、二要素認証で管理する。",
    "staff_management": "アクセス権者を名簿で管理し、退職時に守秘誓約を得る。",
    "partner_controls": "再委託先と秘密保持契約を結び、年1回監査する。",
    "staff_with_access": 12,
    "partners_covered": "協力大学A\n試作会社B",
}


def report(w, committee_date: dt.date, **overrides):
    return services.submit_report(
        actor=w.applicant, award=w.award, committee_date=committee_date, **{**MEASURES, **overrides}
    )
