"""Loading the budget frames: exact yen, idempotent, follows a changed file, links post5g."""

from importlib import resources
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kikin.audit.models import AuditRecord
from kikin.budgets.frames import BudgetFrameError
from kikin.budgets.models import BudgetFrame
from kikin.budgets.selectors import budget_rows, program_budget
from kikin.budgets.services import load_budget_frames

pytestmark = pytest.mark.django_db

S002, S004 = "002_a9a2f2a212ac3399.txt", "004_f50760bfabd8ff0a.txt"


def packaged_text() -> str:
    return (
        resources.files("kikin.rules")
        .joinpath("data", "budget_frames.toml")
        .read_text(encoding="utf-8")
    )


def frame(source, line) -> BudgetFrame:
    return BudgetFrame.objects.get(source=source, seed_line=line)


def snapshot():
    return sorted(
        BudgetFrame.objects.values_list(
            "pk",
            "source",
            "seed_line",
            "program_code",
            "fiscal_year",
            "budget",
            "draft",
            "kind",
            "amount_text",
            "unit",
            "amount_yen",
            "gx_share_yen",
            "prior_year_yen",
            "part_of",
            "parent_id",
            "program_id",
            "note_ja",
        )
    )


def test_load_gives_exact_yen_for_each_unit(plan):
    counts = load_budget_frames()
    assert counts == {"created": 36, "updated": 0, "deleted": 0, "unchanged": 0}
    assert BudgetFrame.objects.count() == 36
    # 億円: 令和7年度当初予算案額 1,617億円（一部GX 1,502億円） (002 line 77)
    f = frame(S002, 77)
    assert (f.amount_yen, f.gx_share_yen, f.prior_year_yen) == (
        161_700_000_000,
        150_200_000_000,
        None,
    )
    assert (f.amount_text, f.unit, f.fiscal_year, f.budget, f.draft, f.kind) == (
        "1617",
        "oku",
        2025,
        "initial",
        True,
        "fund",
    )
    # 億円 with a decimal: 令和8年度予算（案）9.8億円 (002 line 359)
    assert frame(S002, 359).amount_yen == 980_000_000
    assert frame(S002, 359).amount_as_written == "9.8億円"
    # 百万円: 令和3年度補正予算額 125,000百万円 (004 line 89); 5,152百万円 (前年度 3,809百万円) (004 line 29)
    assert frame(S004, 89).amount_yen == 125_000_000_000
    assert (frame(S004, 29).amount_yen, frame(S004, 29).prior_year_yen) == (
        5_152_000_000,
        3_809_000_000,
    )
    assert frame(S004, 29).amount_as_written == "5,152百万円"
    # prior year in brackets: 98億円（120億円） (002 line 179)
    assert frame(S002, 179).prior_year_yen == 12_000_000_000


def test_a_cho_line_loads_to_exact_yen(tmp_path):
    toml = tmp_path / "frames.toml"
    toml.write_text(
        """schema = 1
[[line]]
source = "x.txt"
line = 3
ministry = "METI"
program_ja = "試験事業"
program_en = "Test"
program_code = "test-cho"
fiscal_year = 2025
budget = "supplementary"
draft = false
kind = "fund"
amount = "1.2345"
unit = "cho"
gx_share = "0.5"
prior_year_amount = "0.000000000001"
""",
        encoding="utf-8",
    )
    load_budget_frames(path=toml)
    f = BudgetFrame.objects.get()
    assert (f.amount_yen, f.gx_share_yen, f.prior_year_yen) == (
        1_234_500_000_000,
        500_000_000_000,
        1,
    )
    assert f.amount_as_written == "1.2345兆円"


def test_gx_share_is_inside_the_line_not_added(plan):
    load_budget_frames()
    post5g = program_budget("post5g")
    amounts = [f.amount_yen for f in post5g.lines]
    assert amounts == [161_700_000_000, 153_700_000_000, 673_800_000_000]
    # The fund total is cumulative across budgets, and the GX shares (1,502 + 802億円) are not added to it.
    assert post5g.fund_total_yen == 989_200_000_000
    assert [f.fund_cumulative_yen for f in post5g.lines] == [
        161_700_000_000,
        315_400_000_000,
        989_200_000_000,
    ]
    assert post5g.fund_total_includes_draft


def test_second_load_changes_nothing(plan):
    load_budget_frames()
    before, audits = snapshot(), AuditRecord.objects.count()
    counts = load_budget_frames()
    assert counts == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 36}
    assert snapshot() == before
    assert AuditRecord.objects.count() == audits


def test_a_changed_file_updates_the_lines(plan, tmp_path):
    load_budget_frames()
    pk = frame(S002, 359).pk
    audits = AuditRecord.objects.count()
    text = packaged_text()
    changed = text.replace('amount = "9.8"', 'amount = "9.9"', 1)
    assert changed != text
    # Drop the last line (004 line 89, the K Program) from the file.
    changed = changed[: changed.rindex("[[line]]")]
    toml = tmp_path / "frames.toml"
    toml.write_text(changed, encoding="utf-8")
    counts = load_budget_frames(path=toml)
    assert counts == {"created": 0, "updated": 1, "deleted": 1, "unchanged": 34}
    f = frame(S002, 359)
    assert (f.pk, f.amount_yen, f.amount_text) == (pk, 990_000_000, "9.9")
    assert not BudgetFrame.objects.filter(source=S004, seed_line=89).exists()
    assert AuditRecord.objects.count() == audits + 2
    rec = AuditRecord.objects.filter(action="budget_frame.load", object_id=str(pk)).first()
    assert rec.before["amount_yen"] == 980_000_000 and rec.after["amount_yen"] == 990_000_000
    # And back again.
    assert load_budget_frames()["created"] == 1
    assert frame(S002, 359).amount_yen == 980_000_000


def test_a_fraction_of_a_yen_writes_nothing_and_names_the_line(plan, tmp_path):
    load_budget_frames()
    before = snapshot()
    toml = tmp_path / "frames.toml"
    toml.write_text(
        packaged_text().replace('amount = "9.8"', 'amount = "9.800000001"', 1), encoding="utf-8"
    )
    with pytest.raises(BudgetFrameError) as exc:
        load_budget_frames(path=toml)
    assert "002_a9a2f2a212ac3399.txt line 359" in str(exc.value)
    assert snapshot() == before


def test_post5g_lines_link_to_the_program_and_others_stay_by_code(plan):
    load_budget_frames()
    linked = set(BudgetFrame.objects.filter(program=plan).values_list("seed_line", flat=True))
    assert linked == {77, 264, 302}
    assert (
        set(BudgetFrame.objects.filter(program_code="post5g").values_list("seed_line", flat=True))
        == linked
    )
    # Every line is linked to the program of its code where the catalogue has one.
    for frame in BudgetFrame.objects.exclude(program_code="post5g").filter(program__isnull=False):
        assert frame.program.code == frame.program_code


def test_program_loaded_later_is_linked_on_the_next_load(db):
    from kikin.programs.models import Program
    from kikin.programs.services import load_catalogue

    assert not Program.objects.exists()  # the test database starts empty
    load_budget_frames()
    assert not BudgetFrame.objects.filter(program__isnull=False).exists()
    load_catalogue()
    codes = set(Program.objects.values_list("code", flat=True))
    assert (
        load_budget_frames()["updated"]
        == BudgetFrame.objects.filter(program_code__in=codes).count()
    )
    assert BudgetFrame.objects.filter(program__code="post5g").count() == 3


def test_part_of_lines_point_to_their_larger_line(plan):
    load_budget_frames()
    child, parent = (
        frame(S002, 213),
        frame(S002, 179),
    )  # (1) of 省エネルギー半導体関連技術開発事業, FY2025 当初
    assert child.parent_id == parent.pk
    assert frame(S002, 407).parent_id == frame(S002, 394).pk  # the same, FY2026
    assert frame(S004, 142).parent_id == frame(S004, 29).pk  # ARIM within Materials DX, R4
    assert frame(S004, 144).parent_id == frame(S004, 32).pk  # and R3 supplementary
    # 「ポスト5G情報通信システム基盤強化研究開発事業等の内数」: no line carries that title.
    f = frame(S002, 15)
    assert f.part_of == "ポスト5G情報通信システム基盤強化研究開発事業等" and f.parent_id is None
    # A parent is never the sum of its children: 98億円 against 48 + 30 + 20 = 98, but 60 against 30 + 30.
    assert frame(S002, 394).amount_yen == 6_000_000_000


def test_budget_rows_in_display_order(plan):
    load_budget_frames()
    rows = budget_rows()
    assert len(rows) == 36
    codes = list(dict.fromkeys(r["program_code"] for r in rows))
    # Children right after their parent, in the order the seeds show them.
    i = codes.index("energy-saving-semi")
    assert codes[i + 1 : i + 4] == [
        "energy-saving-semi-1",
        "energy-saving-semi-2",
        "energy-saving-semi-3",
    ]
    assert codes.index("materials-dx") < codes.index("materials-arim") < codes.index("aip")
    assert codes[0] == "post5g-ai-semis" and codes.index("mext-sec5") > codes.index(
        "physical-ai-fm"
    )
    post5g = budget_rows("post5g")
    assert [(r["fiscal_year_ja"], r["budget_ja"]) for r in post5g] == [
        ("令和7年度", "当初（案）"),
        ("令和7年度", "補正"),
        ("令和8年度", "当初（案）"),
    ]
    assert post5g[0]["amount_yen"] == 161_700_000_000
    assert post5g[0]["gx_share_yen"] == 150_200_000_000
    assert [r["fund_cumulative_yen"] for r in post5g] == [
        161_700_000_000,
        315_400_000_000,
        989_200_000_000,
    ]
    assert (post5g[0]["source"], post5g[0]["seed_line"], post5g[0]["amount_as_written"]) == (
        S002,
        77,
        "1,617億円",
    )
    sec5 = budget_rows("mext-sec5")
    assert [(r["fiscal_year"], r["budget"]) for r in sec5] == [
        (2021, "supplementary"),
        (2022, "initial"),
    ]
    assert sec5[0]["fund_cumulative_yen"] is None
    assert budget_rows("no-such-program") == []


def test_management_command(plan, tmp_path):
    out = StringIO()
    call_command("load_budget_frames", stdout=out)
    assert "36 created" in out.getvalue()
    out = StringIO()
    call_command("load_budget_frames", stdout=out)
    assert "36 unchanged" in out.getvalue()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        packaged_text().replace('unit = "hyakuman"', 'unit = "sen"', 1), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="unit 'sen'"):
        call_command("load_budget_frames", "--file", str(bad))
