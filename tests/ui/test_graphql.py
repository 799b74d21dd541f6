"""The Dagster UI's API, for real: every asset shows its description, group, kinds, owner, table schema and
checks; the schedules and sensors are there; a materialization launched through GraphQL runs to success
(queued, dequeued by the daemon, run in its own process) with a row count, and the read copy follows it;
a backfill of a range of days becomes one run."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from pipeline.definitions import defs
from pipeline.readcopy import read_copy_path
from pipeline.warehouse import Warehouse
from tests.ui.conftest import DagsterUI

pytestmark = pytest.mark.xdist_group("dagster_ui")

REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  name location { name } schedules { name cronSchedule } sensors { name } } } } }"""
ASSETS = """{ assetNodes {
  assetKey { path } groupName description kinds pools
  owners { ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
  metadataEntries { label ... on TableSchemaMetadataEntry { schema { columns { name type } } } }
  assetChecksOrError { ... on AssetChecks { checks { name } } }
} }"""
LAUNCH = """mutation($selector: JobOrPipelineSelector!) {
  launchRun(executionParams: {selector: $selector, mode: "default"}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  } }"""
RUN = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
ROW_COUNT = """query($path: [String!]!) { assetNodes(assetKeys: [{path: $path}]) {
  assetMaterializations(limit: 1) {
    runId metadataEntries { label ... on IntMetadataEntry { intValue } } } } }"""
BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  ... on PartitionBackfill { status runs(limit: 10) { runId status } } } }"""


def repository(ui: DagsterUI) -> dict:
    (repo,) = ui.graphql(REPOSITORIES)["repositoriesOrError"]["nodes"]
    return repo


def finished(ui: DagsterUI, run_id: str) -> str | None:
    status = ui.graphql(RUN, id=run_id)["runOrError"]["status"]
    return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None


def test_every_asset_shows_its_metadata_checks_and_the_schedules_and_sensors(dagster_ui: DagsterUI) -> None:
    nodes = dagster_ui.graphql(ASSETS)["assetNodes"]
    shown = {tuple(node["assetKey"]["path"]): node for node in nodes}
    definitions = defs()
    expected = {tuple(key.path) for asset in definitions.assets for key in asset.keys}  # type: ignore[union-attr]
    assert set(shown) == expected
    for path, node in shown.items():
        assert node["description"], path
        assert node["groupName"] and node["groupName"] != "default", path
        assert node["kinds"], path
        assert node["owners"], path
        schema = [e for e in node["metadataEntries"] if e["label"] == "dagster/column_schema"]
        assert schema and schema[0]["schema"]["columns"], path
    checks = {c["name"] for c in shown[("raw", "cost_allocation")]["assetChecksOrError"]["checks"]}
    assert "unique_key" in checks
    assert shown[("raw", "cost_allocation")]["pools"] == ["duckdb_writer"]
    repo = repository(dagster_ui)
    assert {s["name"] for s in repo["schedules"]} == {s.name for s in definitions.schedules}  # type: ignore[union-attr]
    sensors = {s["name"] for s in repo["sensors"]}
    assert sensors >= {s.name for s in definitions.sensors} | {  # type: ignore[union-attr]
        "publish_read_copy",
        "alert_on_run_failure",
        "alert_on_budget_forecast",
        "alert_on_new_untagged_spend",
    }
    assert "default_automation_condition_sensor" in sensors, (
        "reporting follows its inputs (declarative automation)"
    )


def test_a_materialization_launched_through_graphql_runs_to_success(dagster_ui: DagsterUI) -> None:
    repo = repository(dagster_ui)
    selector = {
        "repositoryLocationName": repo["location"]["name"],
        "repositoryName": repo["name"],
        "jobName": "domino_inventory",
        "assetSelection": [{"path": ["raw", "organizations"]}],
    }
    launched = dagster_ui.graphql(LAUNCH, selector=selector)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = dagster_ui.wait_for("the run to finish", lambda: finished(dagster_ui, run_id))
    assert status == "SUCCESS", dagster_ui.log.read_text()[-4000:]
    (node,) = dagster_ui.graphql(ROW_COUNT, path=["raw", "organizations"])["assetNodes"]
    (materialization,) = node["assetMaterializations"]
    rows = {e["label"]: e.get("intValue") for e in materialization["metadataEntries"]}["dagster/row_count"]
    truth = dagster_ui.simulator.world.truth()["collections"]["organizations"]
    assert materialization["runId"] == run_id and rows == truth > 0
    copy = read_copy_path(dagster_ui.duckdb_path)  # the daemon's publish_read_copy sensor follows the run
    dagster_ui.wait_for("the read copy", copy.exists, timeout_s=180)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.organizations").fetchone() == (truth,)


def test_a_backfill_of_a_range_of_days_is_one_run(dagster_ui: DagsterUI) -> None:
    end = dagster_ui.simulator.world.end.date()
    days = {"start": str(end - timedelta(days=3)), "end": str(end - timedelta(days=1))}
    params = {
        "partitionsByAssets": [
            {"assetKey": {"path": ["raw", "cost_allocation"]}, "partitions": {"range": days}},
        ],
    }
    launched = dagster_ui.graphql(BACKFILL, params=params)["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    def completed() -> dict | None:
        backfill = dagster_ui.graphql(BACKFILL_STATUS, id=backfill_id)["partitionBackfillOrError"]
        return backfill if backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS", "FAILED") else None

    backfill = dagster_ui.wait_for("the backfill", completed, timeout_s=300)
    assert backfill["status"].startswith("COMPLETED"), backfill
    assert [run["status"] for run in backfill["runs"]] == ["SUCCESS"]
    # the daemon's sensors may be reading or publishing the file: read it the way the pipeline does (the
    # shared lock, and a retry while another process has it open) instead of failing on its lock
    days_landed = Warehouse(dagster_ui.duckdb_path).query(
        "SELECT count(DISTINCT CAST(window_start AS DATE)) AS n FROM raw.cost_allocation"
    )
    assert days_landed["n"].to_list() == [3]
