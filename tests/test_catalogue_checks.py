"""Checks come from the catalogue's data, and each can fail: fed bad rows or a bad entry, it says so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dagster as dg
import pytest

from pipeline.defs.checks import check_specs, evaluate
from pipeline.domino import CATALOGUE
from pipeline.domino.catalogue import ENDPOINTS, Endpoint, col, table
from pipeline.transform import shape_batch
from pipeline.warehouse import TableLoad, Upsert, Warehouse
from tests.fixtures import cost_record

COST = CATALOGUE["cost_allocation"].table
KEY = dg.AssetKey(["raw", "cost_allocation"])


def _land(tmp_path: Path, records: list[dict]) -> Warehouse:
    wh = Warehouse(tmp_path / "w.duckdb")
    stage = wh.stage(COST, "r1")
    stage.add(shape_batch(records, COST, {"run_id": "r1"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    return wh


def _passed(wh: Warehouse) -> dict[str, bool]:
    return {r.check_name: r.passed for r in evaluate(wh, COST, KEY)}


def test_cost_tables_declare_the_cost_check_and_it_passes_on_consistent_rows(tmp_path: Path) -> None:
    declared = {e.table.name for e in ENDPOINTS if "cost_parts_add_up" in e.table.checks}
    assert declared == {"cost_allocation"}
    summary = {e.table.name for e in ENDPOINTS if "costs_not_negative" in e.table.checks}
    assert summary == {"cost_allocation_summary"}
    assert {s.name for s in check_specs(COST, KEY)} == {"unique_key", "cost_parts_add_up"}
    assert _passed(_land(tmp_path, [cost_record(i) for i in range(50)])) == {
        "unique_key": True,
        "cost_parts_add_up": True,
    }


def test_cost_check_fails_when_parts_exceed_the_total(tmp_path: Path) -> None:
    bad = {**cost_record(7), "cpuCost": 5.0, "totalCost": 1.0}
    results = evaluate(_land(tmp_path, [cost_record(i) for i in range(5)] + [bad]), COST, KEY)
    failed = next(r for r in results if r.check_name == "cost_parts_add_up")
    assert not failed.passed
    assert failed.metadata["inconsistent_rows"].value == 1


def test_cost_check_accounts_for_negative_adjustments(tmp_path: Path) -> None:
    settled = {**cost_record(3), "cpuCost": 1.0, "cpuCostAdjustment": -0.2, "ramCost": 0.1, "totalCost": 0.9}
    assert _passed(_land(tmp_path, [settled]))["cost_parts_add_up"]


def test_negative_costs_fail_the_summary_check(tmp_path: Path) -> None:
    summary = CATALOGUE["cost_allocation_summary"].table
    wh = Warehouse(tmp_path / "w.duckdb")
    stage = wh.stage(summary, "r1")
    rows = [cost_record(1), {**cost_record(2), "gpuCost": -3.0}]
    stage.add(shape_batch(rows, summary, {"run_id": "r1"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    results = {r.check_name: r for r in evaluate(wh, summary, dg.AssetKey(["raw", summary.name]))}
    assert not results["costs_not_negative"].passed
    assert results["costs_not_negative"].metadata["negative_rows"].value == 1


def test_an_unknown_check_name_fails_loudly() -> None:
    with pytest.raises(KeyError, match="unknown checks"):
        check_specs(replace(COST, checks=("cost_parts_sum_up",)), KEY)


def test_a_partitioned_entry_without_its_window_column_is_refused() -> None:
    spec = table("x", col("id", "id"), col("at", "at", "timestamp"))
    with pytest.raises(ValueError, match="window_column"):
        Endpoint("x", "cost", "/x", table=spec, partitioned="daily", window="iso_range")
    with pytest.raises(ValueError, match="window_column"):
        Endpoint("x", "cost", "/x", table=spec, partitioned="daily", window="iso_range", window_column="when")
    with pytest.raises(ValueError, match="done_column"):
        Endpoint("x", "jobs", "/x", table=spec, detail_path="/x/{id}", done_column="finished")


def test_the_registry_refuses_an_entry_in_another_areas_module_or_a_name_used_twice() -> None:
    from types import ModuleType

    from pipeline.domino.catalogue import collect, cost, jobs

    misplaced = ModuleType("pipeline.domino.catalogue.cost")
    misplaced.ENDPOINTS = (*cost.ENDPOINTS, jobs.ENDPOINTS[0])  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"declared in catalogue/cost\.py"):
        collect((misplaced,))
    with pytest.raises(ValueError, match="used twice"):
        collect((cost, cost))
    assert [e.name for e in collect((cost,))] == [e.name for e in cost.ENDPOINTS]
