"""Plan files of kind data_platform: the seed's figures with their lines, and errors that start
with the key path at fault."""

import copy
import datetime as dt
import tomllib
from importlib import resources

import pytest

from kikin.rules.data_platforms import data_platform_plans, parse_data_platform_plan
from kikin.rules.plan import PlanDataError


def _raw(name: str) -> dict:
    text = (
        resources.files("kikin.rules")
        .joinpath("data", "programs", f"{name}.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


def test_materials_dx_plan_carries_the_seed_figures():
    spec = parse_data_platform_plan(_raw("materials-dx"))
    assert spec.program.code == "materials-dx" and spec.program.ministry == "mext"
    assert spec.program.start_date == dt.date(2021, 4, 1)  # 令和3年度～（10年）
    assert spec.program.end_date == dt.date(2031, 3, 31)
    assert {t.kind: t.count for t in spec.tiers} == {"center_hub": 1, "hub": 5, "spoke": 19}
    assert spec.sites == 25 == spec.platform.institutions
    assert (spec.platform.instruments_min, spec.platform.support_staff) == (1000, 500)
    kpis = {k.metric: k for k in spec.kpis}
    assert (kpis["facility_uses"].target, kpis["facility_uses"].fiscal_year) == (3000, 2022)
    assert kpis["facility_uses"].line == 190
    assert (kpis["data_items_created"].target, kpis["data_items_created"].line) == (1_000_000, 191)
    assert kpis["data_items_created"].fiscal_year == 2025
    assert set(spec.platform.access_levels) == {"open", "shared", "closed", "embargoed"}
    assert spec.platform.line == 153


def test_research_data_ecosystem_plan():
    spec = parse_data_platform_plan(_raw("research-data-ecosystem"))
    assert (spec.program.start_date, spec.program.end_date) == (
        dt.date(2022, 4, 1),
        dt.date(2027, 3, 31),
    )  # R4年度～R8年度, line 222
    assert spec.platform.line == 203 and "dmp_support" in spec.platform.functions
    assert spec.kpis == ()


def test_every_plan_file_of_the_kind_is_found():
    assert [s.code for s in data_platform_plans()] == ["materials-dx", "research-data-ecosystem"]


def test_kpi_is_met_at_the_target_not_below():
    kpi = next(k for k in parse_data_platform_plan(_raw("materials-dx")).kpis if k.target == 3000)
    assert kpi.met_by(3000) and not kpi.met_by(2999) and not kpi.met_by(None)


def _broken(path: list, value):
    data = copy.deepcopy(_raw("materials-dx"))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["schema"], 1, "schema:"),
        (["program", "kind"], "fund", "program.kind:"),
        (["program", "start_date"], "2021-04-01", "program.start_date:"),
        (["program", "end_date"], dt.date(2020, 1, 1), "program.end_date:"),
        (["program", "ministry"], "moe", "program.ministry:"),
        (["program", "title_ja"], "", "program.title_ja:"),
        (["program", "code"], "bad code!", "program.code:"),
        (["platform", "access_levels"], ["open", "public"], "platform.access_levels[1]:"),
        (["platform", "functions"], [], "platform.functions:"),
        (["platform", "institutions"], 24, "tier:"),
        (["tier", 0, "kind"], "satellite", "tier[0].kind:"),
        (["tier", 1, "count"], 0, "tier[1].count:"),
        (["kpi", 0, "metric"], "citations", "kpi[0].metric:"),
        (["kpi", 1, "target"], "1000000", "kpi[1].target:"),
        (["kpi", 1, "target"], -1, "kpi[1].target:"),
        (["kpi", 0, "comparison"], "at_most", "kpi[0].comparison:"),
        (["kpi", 0, "line"], KeyError, "kpi[0].line:"),
        (["component", 2, "role"], "sales", "component[2].role:"),
        (["platform"], KeyError, "platform:"),
    ],
)
def test_a_malformed_plan_names_the_key_path(path, value, message):
    with pytest.raises(PlanDataError) as exc:
        parse_data_platform_plan(_broken(path, value))
    assert str(exc.value).startswith(message)


def test_a_metric_given_twice_for_one_year_is_refused():
    data = _raw("materials-dx")
    data["kpi"].append(dict(data["kpi"][0]))
    with pytest.raises(PlanDataError, match=r"^kpi: a metric is given twice"):
        parse_data_platform_plan(data)
