"""The SQL model framework on small hand-made models: headers, parsed inputs, builds, windows, checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.definitions import defs
from pipeline.defs.reporting import MODEL_ASSETS, MODELS, dep_key
from pipeline.reporting import (
    ALL_TIME,
    ModelError,
    Window,
    build_model,
    build_models,
    evaluate,
    load_checks,
    load_models,
    parse_model,
    rebuild_window,
)
from pipeline.reporting.checks import KEY_CHECK

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"

STAGING = """-- One row per day and item.
-- key: day, item
-- col day: the day
-- col item: the item
-- col amount_usd: the amount in US dollars
with

typed as (
    select day, item, cast(amount as decimal(18, 6)) as amount_usd, from raw.sales
)

select day, item, amount_usd, from typed
"""
DAILY = """-- One row per day: the total.
-- key: day
-- partition: day
-- col day: the day
-- col total_usd: total in US dollars
select day, sum(amount_usd) as total_usd,
from staging.sales
where day >= getvariable('partition_start') and day < getvariable('partition_end')
group by day
"""
MONTHLY = """-- One row per month: the total.
-- key: month
-- partition: month
-- grain: month
-- also_rebuild: 1 month
-- col month: first day of the month
-- col total_usd: total in US dollars
select date_trunc('month', day)::date as month, sum(total_usd) as total_usd,
from reporting.daily
where month >= getvariable('partition_start') and month < getvariable('partition_end')
group by all
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def sql_root(tmp_path: Path) -> Write:
    def write(relation: str, text: str) -> Path:
        folder, name = relation.split(".")
        path = tmp_path / folder / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA raw; CREATE TABLE raw.sales (day DATE, item VARCHAR, amount DOUBLE)")
    connection.execute(
        "INSERT INTO raw.sales SELECT DATE '2026-09-28' + i::INTEGER, 'a', 1.5 FROM range(10) AS r(i) "
        "UNION ALL SELECT DATE '2026-09-28' + i::INTEGER, 'b', 2.25 FROM range(10) AS r(i)"
    )
    yield connection
    connection.close()


def _models(sql_root: Write, **files: str) -> list:
    paths = [sql_root(relation, text) for relation, text in files.items()]
    return load_models(paths[0].parents[1])


def test_header_becomes_comment_key_partition_and_columns_and_inputs_are_parsed(sql_root: Write) -> None:
    model = parse_model(sql_root("reporting.daily", DAILY))
    assert model.comment == "One row per day: the total."
    assert model.key == ("day",)
    assert model.partition == "day"
    assert model.columns == {"day": "the day", "total_usd": "total in US dollars"}
    assert model.deps == (("staging", "sales"),)
    staging = parse_model(sql_root("staging.sales", STAGING))
    assert staging.deps == (("raw", "sales"),)  # the CTE `typed` is not a table
    assert staging.materialization == "view"


@pytest.mark.parametrize(
    ("relation", "text", "message"),
    [
        ("reporting.bad", "-- A row.\n-- col x: x\nselect x from sales", "schema-qualified"),
        ("reporting.bad", "-- A row.\n-- col x: x\nselect x from raw.sales", "not raw"),
        ("reporting.bad", "-- A row.\n-- col x: x\nselect x from other.sales", "unknown schema"),
        ("reporting.bad", "-- A row.\n-- col x: x\nselect 1 as x; select 2 as x", "exactly one SELECT"),
        ("reporting.bad", "-- A row.\n-- col x: x\nselect from where", "not valid DuckDB SQL"),
        ("reporting.bad", "-- key: x\n-- col x: x\nselect 1 as x", "first header line"),
        ("reporting.bad", "-- A row.\nselect 1 as x", "needs a '-- col"),
        ("reporting.bad", "-- A row.\n-- key: y\n-- col x: x\nselect 1 as x", "has no '-- col' line"),
        (
            "reporting.bad",
            "-- A row.\n-- partition: x\n-- col x: x\nselect current_date as x",
            "missing: partition_end, partition_start",
        ),
        (
            "staging.bad",
            "-- A row.\n-- partition: x\n-- col x: x\nselect x from raw.t "
            "where x >= getvariable('partition_start') and x < getvariable('partition_end')",
            "views are not partitioned",
        ),
        ("elsewhere.bad", "-- A row.\n-- col x: x\nselect 1 as x", "folder must be"),
        (
            "reporting.bad",
            "-- A row.\n-- col x: x\nselect getvariable('chargeback') as x",
            "unknown getvariable",
        ),
        ("reporting.Bad", "-- A row.\n-- col x: x\nselect 1 as x", "lower snake case"),
    ],
)
def test_a_model_that_breaks_the_contract_fails_with_a_clear_message(
    sql_root: Write, relation: str, text: str, message: str
) -> None:
    with pytest.raises(ModelError, match=message):
        parse_model(sql_root(relation, text))


def test_cycles_and_missing_upstream_models_are_refused(sql_root: Write) -> None:
    sql_root("staging.a", "-- A row.\n-- col x: x\nselect x from staging.b")
    sql_root("staging.b", "-- A row.\n-- col x: x\nselect x from staging.a")
    with pytest.raises(ModelError, match="cycle"):
        load_models(sql_root("staging.c", "-- A row.\n-- col x: x\nselect 1 as x").parents[1])
    other = sql_root("reporting.d", "-- A row.\n-- col x: x\nselect x from staging.nowhere")
    with pytest.raises(ModelError, match="no sql/ file defines"):
        load_models(other.parents[1])


def test_models_are_ordered_upstream_first(sql_root: Write) -> None:
    models = _models(
        sql_root, **{"reporting.monthly": MONTHLY, "reporting.daily": DAILY, "staging.sales": STAGING}
    )
    assert [m.relation for m in models] == ["staging.sales", "reporting.daily", "reporting.monthly"]


def test_build_creates_commented_views_and_tables_with_exact_decimals(
    sql_root: Write, con: duckdb.DuckDBPyConnection
) -> None:
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": DAILY})
    results = build_models(con, models)
    assert [r.mode for r in results] == ["view", "full"]
    assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'sales'").fetchone() == (
        "One row per day and item.",
    )
    comments = dict(
        con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'daily'").fetchall()
    )
    assert comments == {"day": "the day", "total_usd": "total in US dollars"}
    assert con.execute("SELECT DISTINCT typeof(total_usd), total_usd FROM reporting.daily").fetchall() == [
        ("DECIMAL(38,6)", Decimal("3.75"))
    ]


def test_incremental_build_replaces_only_the_window(sql_root: Write, con: duckdb.DuckDBPyConnection) -> None:
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": DAILY})
    build_models(con, models)
    con.execute("UPDATE raw.sales SET amount = 10")  # every day changes upstream...
    result = build_model(con, models[1], Window(date(2026, 10, 1), date(2026, 10, 2)))
    assert (result.mode, result.rows_written, result.rows_total) == ("incremental", 1, 10)
    totals = dict(con.execute("SELECT day, total_usd FROM reporting.daily").fetchall())
    assert totals.pop(date(2026, 10, 1)) == 20  # ...but only the window was rebuilt
    assert set(totals.values()) == {Decimal("3.75")}
    assert build_model(con, models[1]).mode == "full"  # a full rebuild stays possible
    assert {v for (v,) in con.execute("SELECT total_usd FROM reporting.daily").fetchall()} == {20}


def test_monthly_models_rebuild_whole_months_and_what_follows() -> None:
    model = parse_model_text("reporting.monthly", MONTHLY)
    assert rebuild_window(model, Window(date(2026, 10, 5), date(2026, 10, 6))) == Window(
        date(2026, 10, 1), date(2026, 12, 1)
    )
    assert rebuild_window(model, Window(date(2026, 9, 30), date(2026, 10, 2))) == Window(
        date(2026, 9, 1), date(2026, 12, 1)
    )
    assert rebuild_window(model, ALL_TIME) == ALL_TIME


def parse_model_text(relation: str, text: str, root: Path | None = None):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        layer, name = relation.split(".")
        path = Path(folder) / layer / f"{name}.sql"
        path.parent.mkdir()
        path.write_text(text)
        return parse_model(path)


def test_monthly_incremental_build_matches_a_full_build(
    sql_root: Write, con: duckdb.DuckDBPyConnection
) -> None:
    models = _models(
        sql_root, **{"staging.sales": STAGING, "reporting.daily": DAILY, "reporting.monthly": MONTHLY}
    )
    build_models(con, models)
    con.execute("UPDATE raw.sales SET amount = amount * 2 WHERE day = DATE '2026-09-29'")
    build_models(con, models, Window(date(2026, 9, 29), date(2026, 9, 30)))
    incremental = con.execute("SELECT * FROM reporting.monthly ORDER BY month").fetchall()
    build_models(con, models)
    assert con.execute("SELECT * FROM reporting.monthly ORDER BY month").fetchall() == incremental


def test_a_partitioned_model_whose_rows_leave_the_window_is_refused(
    sql_root: Write, con: duckdb.DuckDBPyConnection
) -> None:
    leaky = DAILY.replace(
        "day >= getvariable('partition_start')", "day >= getvariable('partition_start') - 1"
    )
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": leaky})
    build_models(con, models)
    before = con.execute("SELECT count(*) FROM reporting.daily").fetchone()
    with pytest.raises(ModelError, match="outside"):
        build_model(con, models[1], Window(date(2026, 10, 1), date(2026, 10, 2)))
    assert con.execute("SELECT count(*) FROM reporting.daily").fetchone() == before  # rolled back


def test_output_columns_must_match_the_header(sql_root: Write, con: duckdb.DuckDBPyConnection) -> None:
    undocumented = STAGING.replace("-- col amount_usd: the amount in US dollars\n", "")
    models = _models(sql_root, **{"staging.sales": undocumented})
    with pytest.raises(ModelError, match="without a '-- col' line: amount_usd"):
        build_models(con, models)
    stale = STAGING.replace("-- col item: the item\n", "-- col item: the item\n-- col gone: removed\n")
    models = _models(sql_root, **{"staging.sales": stale})
    with pytest.raises(ModelError, match="does not return: gone"):
        build_models(con, models)


def test_changed_columns_trigger_a_full_rebuild(sql_root: Write, con: duckdb.DuckDBPyConnection) -> None:
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": DAILY})
    build_models(con, models)
    wider = DAILY.replace("sum(amount_usd) as total_usd,", "sum(amount_usd) as total_usd, count(*) as items,")
    wider = wider.replace("-- col total_usd", "-- col items: rows\n-- col total_usd")
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": wider})
    result = build_model(con, models[1], Window(date(2026, 10, 1), date(2026, 10, 2)))
    assert result.mode == "full (columns changed)"
    assert con.execute("SELECT count(*), min(items) FROM reporting.daily").fetchone() == (10, 2)


def test_key_check_fails_on_duplicates_and_nulls_and_names_them(
    sql_root: Write, con: duckdb.DuckDBPyConnection
) -> None:
    models = _models(sql_root, **{"staging.sales": STAGING, "reporting.daily": DAILY})
    build_models(con, models)
    check = load_checks(models, models[0].path.parents[1])["reporting.daily"][0]
    assert check.name == KEY_CHECK and check.blocking
    assert evaluate(con, check, ALL_TIME).passed
    con.execute("INSERT INTO reporting.daily SELECT * FROM reporting.daily WHERE day = DATE '2026-10-01'")
    con.execute("INSERT INTO reporting.daily VALUES (NULL, 1)")
    outcome = evaluate(con, check, ALL_TIME)
    assert not outcome.passed and outcome.failing == 2
    assert {"day": "2026-10-01", "copies": 2} in outcome.examples
    assert {"day": None, "copies": 1} in outcome.examples


def test_a_check_file_must_name_its_model_and_a_plant(sql_root: Write) -> None:
    models = _models(sql_root, **{"staging.sales": STAGING})
    root = models[0].path.parents[1]
    sql_root("checks.no_plant", "-- Holds.\n-- model: staging.sales\nselect 1 where false")
    with pytest.raises(ModelError, match="plant"):
        load_checks(models, root)
    sql_root(
        "checks.no_plant", "-- Holds.\n-- model: staging.nowhere\n-- plant: select 1\nselect 1 where false"
    )
    with pytest.raises(ModelError, match="no sql/ model defines"):
        load_checks(models, root)


def test_every_model_is_an_asset_whose_upstream_assets_are_the_tables_it_reads() -> None:
    definitions = defs()
    keys = {key for asset in definitions.assets for key in asset.keys}  # type: ignore[union-attr]
    by_key = {asset.key: asset for asset in MODEL_ASSETS}
    for model in MODELS:
        asset = by_key[dg.AssetKey([model.layer, model.name])]
        expected = {dep_key(s, t) for s, t in model.deps} - {None}
        assert set(asset.asset_deps[asset.key]) == expected, model.relation
        assert expected <= keys, f"{model.relation} reads tables no asset writes"
        assert (asset.partitions_def is not None) == (model.partition is not None)
        if model.key:
            assert any(c.name == KEY_CHECK for c in asset.check_specs)


def test_readme_table_list_is_generated_from_the_comments() -> None:
    from pipeline.reporting.describe import README_BEGIN, README_END, render_markdown, scratch_docs

    text = README.read_text()
    block = text[text.index(README_BEGIN) : text.index(README_END) + len(README_END)]
    assert block == render_markdown(scratch_docs()), (
        "README out of date: run domino-etl tables --readme README.md"
    )


def test_settings_become_variables_and_bad_values_are_refused() -> None:
    from pipeline.reporting.settings import SettingError, memory_limit, model_variables

    assert model_variables({}) == {
        "chargeback_rule": "proportional",
        "budget_alert_thresholds": [0.5, 0.75, 0.9, 1.0],
        "rightsizing_target": 0.7,
    }
    chosen = {
        "DOMINO_CHARGEBACK_RULE": "Even",
        "DOMINO_BUDGET_ALERT_THRESHOLDS": "1.0, 0.8,1.2",
        "DOMINO_RIGHTSIZING_TARGET": "0.8",
    }
    assert model_variables(chosen) == {
        "chargeback_rule": "even",
        "budget_alert_thresholds": [0.8, 1.0, 1.2],
        "rightsizing_target": 0.8,
    }
    with pytest.raises(SettingError, match="DOMINO_RIGHTSIZING_TARGET"):
        model_variables({"DOMINO_RIGHTSIZING_TARGET": "70%"})
    assert memory_limit({}) == "1GB" and memory_limit({"DOMINO_REPORTS_MEMORY_LIMIT": "512MB"}) == "512MB"
    with pytest.raises(SettingError, match="DOMINO_REPORTS_MEMORY_LIMIT"):
        memory_limit({"DOMINO_REPORTS_MEMORY_LIMIT": "lots"})
    with pytest.raises(SettingError, match="DOMINO_CHARGEBACK_RULE must be one of proportional, even"):
        model_variables({"DOMINO_CHARGEBACK_RULE": "by-headcount"})
    with pytest.raises(SettingError, match="DOMINO_BUDGET_ALERT_THRESHOLDS"):
        model_variables({"DOMINO_BUDGET_ALERT_THRESHOLDS": "75%"})
    with pytest.raises(SettingError, match="above 0"):
        model_variables({"DOMINO_BUDGET_ALERT_THRESHOLDS": "0"})


def test_reports_follow_every_successful_load_for_the_days_it_loaded() -> None:
    from pipeline.defs.reporting import reports_request
    from pipeline.defs.schedules import RANGE_END_TAG, RANGE_START_TAG

    definitions = defs()
    job = definitions.resolve_job_def("domino_reports")
    models = {dg.AssetKey([m.layer, m.name]) for m in MODELS}
    assert set(job.asset_layer.executable_asset_keys) == models
    sensor = definitions.resolve_sensor_def("rebuild_reports_after_loads")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    ranged = reports_request(
        {RANGE_START_TAG: "2026-10-29", RANGE_END_TAG: "2026-10-31"}, date(2026, 11, 1), "r1"
    )
    assert (ranged.tags, ranged.run_key) == (
        {RANGE_START_TAG: "2026-10-29", RANGE_END_TAG: "2026-10-31"},
        "reports-after-r1",
    )
    single = reports_request({"dagster/partition": "2026-10-05"}, date(2026, 11, 1), "r2")
    assert single.tags == {RANGE_START_TAG: "2026-10-05", RANGE_END_TAG: "2026-10-05"}
    inventory = reports_request({}, date(2026, 11, 1), "r3")
    assert inventory.tags == {RANGE_START_TAG: "2026-10-31", RANGE_END_TAG: "2026-10-31"}


def test_a_run_summary_ends_with_the_report_tables_and_the_headline_figures() -> None:
    from pipeline.runner import RunSummary

    summary = RunSummary(
        ok=True,
        duckdb_path="data/domino.duckdb",
        seconds=1.0,
        table_rows={"cost_allocation": 10},
        model_rows={"reporting.cost_daily": 5},
        headlines=["Top spenders, 2026-10 (closed):", "Untagged spend: $1.00 of $10.00 (10.0%)"],
    )
    lines = summary.render().splitlines()
    assert lines[-5:] == [
        "Built 1 report tables from sql/:",
        "  reporting.cost_daily          5",
        "",
        "Top spenders, 2026-10 (closed):",
        "Untagged spend: $1.00 of $10.00 (10.0%)",
    ]
