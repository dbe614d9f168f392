"""Usage import (streamed; bad rows reported by line without losing the good ones; idempotent),
fees and the subsidy at the developer's rate, truncated to the yen, and the alerts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Sum

from kikin.accounts.models import OrganisationCategory
from kikin.compute import selectors, services
from kikin.compute.models import UsageDay, UsageImport, UsageRecord

from .helpers import as_stream, csv_bytes, geniac_award

pytestmark = pytest.mark.django_db

METHODS = [
    "orm",
    pytest.param(
        "copy",
        marks=pytest.mark.skipif(
            "connection.vendor != 'postgresql'", reason="COPY needs PostgreSQL"
        ),
    ),
]


@pytest.fixture
def setup(plan, staff):
    award, applicant = geniac_award(plan, staff)
    pool = services.create_pool(
        actor=staff.agency,
        name="Cycle 2 H100",
        provider="Google Cloud",
        accelerator_type="H100",
        hours_bought=10_000,
        price_per_hour_yen=3_001,
        starts_on=award.start_date,
        ends_on=award.period_end,
        call=award.call,
    )
    allocation = services.allocate(actor=staff.agency, pool=pool, award=award, hours=1_000)
    return award, applicant, pool, allocation


def run(staff, pool, data: bytes, method="orm", name="usage.csv"):
    return services.import_usage(
        actor=staff.agency, pool=pool, stream=as_stream(data), file_name=name, method=method
    )


@pytest.mark.parametrize("method", METHODS)
def test_good_rows_kept_bad_rows_reported_by_line(setup, staff, method):
    _award, _app, pool, a = setup
    d = a.starts_on.isoformat()
    data = csv_bytes(
        f"u1,{a.code},{d},12.5,37500",  # line 2: good
        f"u2,{a.code},{d},1.2345,100",  # 3: four decimals
        f"u3,NO-SUCH,{d},1,100",  # 4: unknown allocation
        f"u4,{a.code},{a.ends_on + dt.timedelta(days=1)},1,100",  # 5: after the allocation
        f"u5,{a.code},{d},-2,100",  # 6: negative hours
        f"u6,{a.code},{d},2,-100",  # 7: negative fee
        f"u7,{a.code},2027/04/01,2,100",  # 8: not ISO
        f"u8,{a.code},{d}",  # 9: too few columns
        f'"u9",{a.code},{d},0.125,',  # 10: good, fee = 0.125 h × 3,001 yen = 375.125 → 375
        "",  # 11: blank, not a row
        f"u10,{a.code},{d},abc,100",  # 12: not a number
        f"u11,{a.code},{d},3,１００",  # 13: full-width digits
        f"u12,{a.code},{a.ends_on},7,21007",  # 14: good, the last day
        bom=True,
    )
    imp = run(staff, pool, data, method)
    assert (imp.rows_read, imp.rows_imported, imp.rows_already, imp.rows_bad) == (12, 3, 0, 9)
    assert [(e["line"], e["code"]) for e in imp.errors] == [
        (3, "bad_number"),
        (4, "unknown_allocation"),
        (5, "outside_allocation"),
        (6, "negative"),
        (7, "negative"),
        (8, "bad_date"),
        (9, "columns"),
        (12, "bad_number"),
        (13, "bad_number"),
    ]
    assert imp.errors[2]["field"] == "date" and imp.errors[4]["field"] == "fee_yen"
    rows = {r.usage_id: r for r in UsageRecord.objects.filter(pool=pool)}
    assert set(rows) == {"u1", "u9", "u12"}
    assert (
        rows["u1"].hours == Decimal("12.500")
        and rows["u1"].fee_yen == 37_500
        and rows["u1"].line == 2
    )
    assert rows["u9"].hours_milli == 125 and rows["u9"].fee_yen == 375
    assert imp.sha256 == __import__("hashlib").sha256(data).hexdigest() and imp.size_bytes == len(
        data
    )
    assert imp.method == method


@pytest.mark.parametrize("method", METHODS)
def test_the_same_file_twice_imports_nothing_the_second_time(setup, staff, method):
    _award, _app, pool, a = setup
    d = a.starts_on
    lines = [f"p{i},{a.code},{d + dt.timedelta(days=i % 30)},1.5,4500" for i in range(1, 301)] + [
        f"bad,{a.code},{d},x,1"
    ]
    data = csv_bytes(*lines)
    first = run(staff, pool, data, method)
    assert (first.rows_imported, first.rows_already, first.rows_bad) == (300, 0, 1)
    again = run(staff, pool, data, method)
    assert (again.rows_imported, again.rows_already, again.rows_bad) == (0, 300, 1)
    assert again.same_file_as_id == first.pk and again.errors == first.errors
    # An overlapping later report brings only its new lines; a duplicate line within it counts once.
    more = csv_bytes(*lines[-10:-1], f"p301,{a.code},{d},2,6000", f"p301,{a.code},{d},2,6000")
    third = run(staff, pool, more, method)
    assert (third.rows_imported, third.rows_already, third.same_file_as_id) == (1, 10, None)
    assert UsageRecord.objects.filter(pool=pool).count() == 301
    assert UsageImport.objects.filter(pool=pool).count() == 3
    # The daily totals the pages read add up to the records, however often a line was sent.
    days = UsageDay.objects.filter(allocation=a).aggregate(
        m=Sum("hours_milli"), f=Sum("fee_yen"), n=Sum("lines")
    )
    records = UsageRecord.objects.filter(allocation=a).aggregate(
        m=Sum("hours_milli"), f=Sum("fee_yen")
    )
    assert (
        days == {"m": records["m"], "f": records["f"], "n": 301}
        and records["f"] == 300 * 4500 + 6000
    )
    assert (
        UsageDay.objects.filter(allocation=a, day=d).get().lines == 11
    )  # p30, p60, …, p300 and p301


def test_the_header_is_checked_and_only_the_agency_imports(setup, staff):
    _award, applicant, pool, a = setup
    with pytest.raises(ValidationError) as exc:
        run(
            staff,
            pool,
            csv_bytes(f"u1,{a.code},2027-04-01,1", header="usage_id,allocation,date,hours"),
        )
    assert (
        "file" in exc.value.message_dict
        and "accelerator_hours" in exc.value.message_dict["file"][0]
    )
    with pytest.raises(ValidationError):
        run(staff, pool, b"")
    assert not UsageImport.objects.exists()  # a refused file leaves nothing behind
    with pytest.raises(PermissionDenied):
        services.import_usage(
            actor=applicant, pool=pool, stream=as_stream(csv_bytes()), file_name="x.csv"
        )
    # Columns in another order, extra columns ignored.
    imp = run(
        staff,
        pool,
        csv_bytes(
            f"2027-04-02,3,{a.code},u9,9003,x",
            header="date,accelerator_hours,allocation,usage_id,fee_yen,project",
        ),
    )
    assert imp.rows_imported == 1 and UsageRecord.objects.get().fee_yen == 9_003


def test_rows_that_are_not_utf8_are_refused(setup, staff):
    _award, _app, pool, a = setup
    data = (
        csv_bytes(f"u1,{a.code},2027-04-01,1,1")
        + b"u\xff2,"
        + a.code.encode()
        + b",2027-04-01,1,1\r\n"
    )
    imp = run(staff, pool, data)
    assert (
        (imp.rows_imported, imp.rows_bad) == (1, 1)
        and imp.errors[0]["line"] == 3
        and imp.errors[0]["code"] == "encoding"
    )


def _fees(staff, pool, a, *fees_by_day):
    rows = [f"f{i},{a.code},{day.isoformat()},1,{fee}" for i, (day, fee) in enumerate(fees_by_day)]
    imp = run(staff, pool, csv_bytes(*rows))
    assert imp.rows_bad == 0


def test_subsidy_is_fee_times_two_thirds_truncated_month_by_month(setup, staff):
    award, _app, pool, a = setup
    assert award.rate == "2/3"
    m1, m2, m3 = (
        a.starts_on,
        a.starts_on.replace(month=a.starts_on.month + 1),
        a.starts_on.replace(month=a.starts_on.month + 2),
    )
    _fees(staff, pool, a, (m1, 1_000_000), (m1 + dt.timedelta(days=3), 1), (m2, 1_000_001), (m3, 1))
    s = selectors.award_compute(award, as_of=m1)
    months = {r.month: r for r in s.months}
    # Month 1: 1,000,001 × 2/3 = 666,667.33 → 666,667.
    assert (months[m1].fee_yen, months[m1].subsidy_yen, months[m1].cumulative_subsidy_yen) == (
        1_000_001,
        666_667,
        666_667,
    )
    # To month 2: 2,000,002 × 2/3 = 1,333,334.67 → 1,333,334; the month adds 666,667.
    assert (
        months[m2].cumulative_fee_yen,
        months[m2].cumulative_subsidy_yen,
        months[m2].subsidy_yen,
    ) == (2_000_002, 1_333_334, 666_667)
    # To month 3: 2,000,003 × 2/3 = 1,333,335.33 → 1,333,335; the month's 1 yen fee adds 1 yen.
    assert (months[m3].subsidy_yen, s.subsidy_yen, s.fee_yen) == (1, 1_333_335, 2_000_003)
    assert sum(r.subsidy_yen for r in s.months) == s.subsidy_yen
    assert s.used_hours == Decimal("4.000")
    # Months of the allocation without use are listed with their plan (even spread: 1,000 h over 183 days).
    assert len(s.months) == 6 and s.months[-1].used_hours == Decimal("0.000")
    assert sum(r.planned_hours for r in s.months) == pytest.approx(
        Decimal(1000), abs=Decimal("0.3")
    )


def test_fixed_amount_pays_the_whole_fee_and_half_rate_truncates(plan, staff):
    fixed, _ = geniac_award(plan, staff, call_key="2023-11", category=OrganisationCategory.SME)
    half, _ = geniac_award(plan, staff, call_key="2023-11", category=OrganisationCategory.LARGE)
    assert (fixed.rate, fixed.rate_label, half.rate) == ("1", "定額", "1/2")
    pool = services.create_pool(
        actor=staff.agency,
        name="Cycle 1 Google Cloud",
        provider="Google Cloud",
        accelerator_type="H100",
        hours_bought=5_000,
        price_per_hour_yen=1,
        starts_on=fixed.start_date,
        ends_on=fixed.period_end,
        call=fixed.call,
    )
    af = services.allocate(actor=staff.agency, pool=pool, award=fixed, hours=100)
    ah = services.allocate(actor=staff.agency, pool=pool, award=half, hours=100)
    run(
        staff,
        pool,
        csv_bytes(f"a,{af.code},{af.starts_on},1,1234567", f"b,{ah.code},{ah.starts_on},1,1234567"),
    )
    assert selectors.award_compute(fixed).subsidy_yen == 1_234_567
    assert selectors.award_compute(half).subsidy_yen == 617_283  # 617,283.5 → 617,283


def _daily(staff, pool, a, start: dt.date, days: int, hours: str, prefix: str):
    rows = [f"{prefix}{i},{a.code},{start + dt.timedelta(days=i)},{hours}," for i in range(days)]
    run(staff, pool, csv_bytes(*rows), name=f"{prefix}.csv")


def test_alerts_for_running_out_and_for_hours_left_unused(plan, staff):
    heavy, _ = geniac_award(plan, staff)
    light, _ = geniac_award(plan, staff)
    steady, _ = geniac_award(plan, staff)
    start = heavy.start_date  # 1 April; allocations to 30 September (183 days)
    pool = services.create_pool(
        actor=staff.agency,
        name="Cycle 2",
        provider="Microsoft Azure",
        accelerator_type="H100",
        hours_bought=10_000,
        price_per_hour_yen=3_000,
        starts_on=start,
        ends_on=heavy.period_end,
        call=heavy.call,
    )
    ah = services.allocate(actor=staff.agency, pool=pool, award=heavy, hours=1_000)
    al = services.allocate(actor=staff.agency, pool=pool, award=light, hours=1_000)
    ast = services.allocate(actor=staff.agency, pool=pool, award=steady, hours=1_830)
    as_of = start + dt.timedelta(days=60)  # 31 May; 122 days left
    _daily(staff, pool, ah, start, 46, "10", "h-early")  # 460 h before the window
    _daily(
        staff, pool, ah, as_of - dt.timedelta(days=13), 14, "10", "h-"
    )  # 10 h a day in the window
    _daily(staff, pool, al, as_of - dt.timedelta(days=13), 14, "1", "l-")  # 1 h a day
    _daily(staff, pool, ast, start, 61, "10", "s-")  # 10 h a day all along: 610 + 1,220 = 1,830
    rows = {a.allocation.code: a for a in selectors.alerts(as_of=as_of)}
    assert set(rows) == {ah.code, al.code}
    run_out = rows[ah.code]
    assert run_out.kind == "run_out"
    assert (
        run_out.used_hours,
        run_out.per_day_hours,
        run_out.days_left,
        run_out.projected_hours,
    ) == (Decimal("600.000"), Decimal("10.0"), 122, Decimal("1820.0"))
    assert run_out.over_hours == Decimal("820.0") and run_out.projected_share == Decimal("182.0")
    assert run_out.run_out_on == as_of + dt.timedelta(days=40)  # 400 h left at 10 h a day
    unused = rows[al.code]
    assert unused.kind == "unused"
    assert (unused.used_hours, unused.per_day_hours, unused.projected_hours, unused.over_hours) == (
        Decimal("14.000"),
        Decimal("1.0"),
        Decimal("136.0"),
        Decimal("864.0"),
    )
    # Early in the allocation the rate is over the days so far, not over 14.
    early = {a.allocation.code: a for a in selectors.alerts(as_of=start + dt.timedelta(days=1))}
    assert early[ah.code].per_day_hours == Decimal("10.0") and ast.code not in early
    # The developer's page shows only their own.
    assert [a.allocation.code for a in selectors.award_compute(heavy, as_of=as_of).alerts] == [
        ah.code
    ]
    # Usage may not be moved out of the allocation's period.
    with pytest.raises(ValidationError):
        services.change_allocation(
            actor=staff.agency,
            allocation=ah,
            hours=1_000,
            starts_on=start + dt.timedelta(days=1),
            ends_on=ah.ends_on,
        )
    with pytest.raises(ValidationError):
        services.change_allocation(
            actor=staff.agency, allocation=ah, hours=599, starts_on=start, ends_on=ah.ends_on
        )


def test_import_reads_a_stream_that_cannot_seek(setup, staff):
    """The import never needs the whole file: a one-way stream of small reads is enough."""
    import io

    _award, _app, pool, a = setup
    data = csv_bytes(*[f"s{i},{a.code},{a.starts_on},1," for i in range(2000)])

    class OneWay(io.RawIOBase):
        def __init__(self):
            self.pos, self.biggest = 0, 0

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), 4096, len(data) - self.pos)
            b[:n] = data[self.pos : self.pos + n]
            self.pos += n
            self.biggest = max(self.biggest, n)
            return n

    stream = OneWay()
    imp = services.import_usage(
        actor=staff.agency, pool=pool, stream=stream, file_name="oneway.csv", batch_size=500
    )
    assert imp.rows_imported == 2000 and stream.biggest <= 4096
    assert connection.vendor in {"sqlite", "postgresql"}


def test_import_from_a_file_on_the_server(setup, staff, tmp_path):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    _award, applicant, pool, a = setup
    path = tmp_path / "report.csv"
    path.write_bytes(csv_bytes(f"c1,{a.code},{a.starts_on},2,", f"c2,{a.code},{a.starts_on},two,"))
    out = __import__("io").StringIO()
    call_command(
        "import_compute_usage", str(path), pool=pool.pk, user=staff.agency.username, stdout=out
    )
    report = json.loads(out.getvalue())
    assert (report["imported"], report["bad"], report["errors"][0]["line"]) == (1, 1, 3)
    assert UsageRecord.objects.get(usage_id="c1").fee_yen == 6_002  # 2 h × 3,001 yen
    with pytest.raises(CommandError):
        call_command(
            "import_compute_usage", str(path), pool=pool.pk, user=applicant.username, stdout=out
        )
