"""Runs with their cost: v4's batch export, the only place a real Domino gives per-run hardware-tier cost.

`GET /v4/gateway/runs/getByBatchId` ("batch extract Runs data for import into a 3rd party tool") pages by
cursor: `batchId` is the starting id ('' for the first run), `nextBatchId` the next page's, null at the end.
Read incrementally: each extract resumes where the last one left off (re-reading from the first run that
had not finished), upserting by `run_id`; a full reload re-reads everything and never deletes a held row.
Times are ISO-8601 (`format: date-time` in the v4 spec, unlike v4's epoch fields; epoch ms also parse).
"""

from __future__ import annotations

from pipeline.domino.catalogue.base import Endpoint, col, table
from pipeline.domino.enums import JOB_STATUSES

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "runs",
        "runs",
        "/v4/gateway/runs/getByBatchId",
        list_keys=("runs",),
        pagination="cursor",
        cursor_param="batchId",
        cursor_key="nextBatchId",
        open_column="end_time",
        page_size=1000,
        admin_only=True,
        table=table(
            "runs",
            col("run_id", "runId", "str", "id", required=True),
            col("batch_id", "batchId"),
            col("title", "title"),
            col("command", "command"),
            col("status", "status", enum=JOB_STATUSES),
            col("run_type", "runType"),
            col("user_id", "userId"),
            col("user_name", "userName"),
            col("project_id", "projectId"),
            col("project_name", "projectName"),
            col("project_owner_id", "projectOwnerId"),
            col("project_owner_name", "projectOwnerName"),
            col("hardware_tier", "hardwareTier", comment="the run's hardware tier as Domino names it (id)"),
            col("queued_time", "queuedTime", "timestamp"),
            col("start_time", "startTime", "timestamp"),
            col("end_time", "endTime", "timestamp", comment="NULL while the run is queued or running"),
            col("run_duration_sec", "runDurationSec", "float"),
            col("hardware_tier_cost_amount", "hardwareTierCostAmount", "float"),
            col("hardware_tier_cost_currency", "hardwareTierCostCurrency"),
            col("total_cost_amount", "totalCostAmount", "float", comment="tier plus compute-cluster cost"),
            col("total_cost_currency", "totalCostCurrency"),
            col("disk_usage_gib", "diskUsageGiB", "float"),
            col("disk_usage_percent", "diskUsagePercent", "float"),
            col("cluster_type", "computeClusterDetails.computeClusterType"),
            col("cluster_average_workers", "computeClusterDetails.averageWorkerCount", "float"),
            col("cluster_worker_tier_id", "computeClusterDetails.workerHardwareTierId"),
            col(
                "cluster_worker_cost_per_minute",
                "computeClusterDetails.workerHardwareTierCostPerMinute",
                "float",
            ),
            col("cluster_master_tier_id", "computeClusterDetails.masterHardwareTierId"),
            col(
                "cluster_master_cost_per_minute",
                "computeClusterDetails.masterHardwareTierCostPerMinute",
                "float",
            ),
            key=("run_id",),
            comment="per-run cost records, read incrementally by cursor (upserted by run_id)",
        ),
    ),
)
