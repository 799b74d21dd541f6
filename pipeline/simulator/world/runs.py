"""Per-run cost records of v4 `GET /v4/gateway/runs/getByBatchId`: Batch jobs and Workspace sessions.

Every run sits at one position of a batch-export sequence ordered by queued time (generated runs first, then
runs started through the API, in start order). Its `batchId` is an ObjectId-looking 24-hex string: 4 bytes of
queued time then the position, so string order is sequence order and a request's `batchId` is a *starting*
id (inclusive), whether or not a run carries exactly that id.

Cost = billed minutes x the tier's `centsPerMinute` / 100, billed exactly as the allocation bills the same
execution (a running run up to the world clock), so run records and cost allocation agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.gen import iso

BATCH_ID = re.compile(r"^[0-9a-f]{24}$")
WORKSPACE_TITLE = "Workspace session"
WORKSPACE_TOOLS = ["jupyterlab", "vscode", "rstudio", "jupyter"]
CURRENCY = "USD"


@dataclass
class RunSource:
    """The generated runs in sequence order: kind (0 job, 1 workspace), index within that kind, times."""

    kind: np.ndarray  # int8
    index: np.ndarray  # int64
    queued_s: np.ndarray  # int64, non-decreasing
    start_s: np.ndarray  # int64, -1 while queued
    end_s: np.ndarray  # int64 billed end (world end while running), -1 while queued
    finished: np.ndarray  # bool: endTime is known
    tier: np.ndarray  # int64
    project: np.ndarray  # int64
    user: np.ndarray  # int64

    @property
    def size(self) -> int:
        return int(self.kind.size)


def build_run_source(
    job_queued: np.ndarray,
    job_start: np.ndarray,
    job_end: np.ndarray,
    job_finished: np.ndarray,
    job_tier: np.ndarray,
    job_project: np.ndarray,
    job_user: np.ndarray,
    ws_queued: np.ndarray,
    ws_start: np.ndarray,
    ws_end: np.ndarray,
    ws_finished: np.ndarray,
    ws_tier: np.ndarray,
    ws_project: np.ndarray,
    ws_user: np.ndarray,
) -> RunSource:
    """Jobs and workspace sessions merged into one sequence by queued time (jobs first on a tie)."""
    kind = np.concatenate([np.zeros(job_queued.size, np.int8), np.ones(ws_queued.size, np.int8)])
    index = np.concatenate([np.arange(job_queued.size), np.arange(ws_queued.size)]).astype(np.int64)
    queued = np.concatenate([job_queued, ws_queued]).astype(np.int64)
    order = np.lexsort((index, kind, queued))

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b]).astype(np.int64)[order]

    return RunSource(
        kind[order],
        index[order],
        queued[order],
        cat(job_start, ws_start),
        cat(job_end, ws_end),
        np.concatenate([job_finished, ws_finished]).astype(bool)[order],
        cat(job_tier, ws_tier),
        cat(job_project, ws_project),
        cat(job_user, ws_user),
    )


def batch_id(queued_s: int, position: int) -> str:
    return f"{queued_s & 0xFFFFFFFF:08x}{position:016x}"


def start_position(batch: str, queued_s: np.ndarray) -> int:
    """Position of the first run whose batch id is >= `batch` (ids sort as (queued time, position))."""
    high, low = int(batch[:8], 16), int(batch[8:], 16)
    first = int(np.searchsorted(queued_s & 0xFFFFFFFF, high, side="left"))
    after = int(np.searchsorted(queued_s & 0xFFFFFFFF, high, side="right"))
    return min(max(low, first), after)


def billed_cost(seconds: np.ndarray, dollars_per_minute: np.ndarray) -> np.ndarray:
    """Dollars for `seconds` of a tier, as the allocation computes them (minutes x price, unrounded)."""
    return np.asarray(seconds, dtype=np.float64) / 60.0 * dollars_per_minute


def disk_usage(seed: int, position: np.ndarray, tier_disk_gib: float = 50.0) -> tuple[np.ndarray, np.ndarray]:
    """(GiB, percent) of the run's disk used: a seeded draw, rounded as a UI would show it."""
    share = ids.uniform(seed, "run-disk", position) * 0.8 + 0.01
    return np.round(share * tier_disk_gib, 2), np.round(share * 100, 1)


def workspace_ids(seed: int, index: np.ndarray, start_s: np.ndarray) -> list[str]:
    return [ids.object_id(seed, "workspace-run", int(k), int(s)) for k, s in zip(index, start_s, strict=True)]


def workspace_tool(seed: int, index: int) -> str:
    return WORKSPACE_TOOLS[ids.scalar_choice(seed, "workspace-tool", index, len(WORKSPACE_TOOLS))]


def run_record(
    *,
    run_id: str,
    batch: str,
    title: str | None,
    command: str,
    status: str,
    run_type: str,
    user: tuple[str, str],
    project: tuple[str, str, str, str],
    tier_id: str,
    queued_s: float,
    start_s: float | None,
    end_s: float | None,
    duration_s: float,
    cost: float,
    disk: tuple[float | None, float | None],
) -> dict:
    """RunsGatewaySummary (v4 spec): date-time strings for the times, amounts as doubles in USD."""
    amount = round(float(cost), 6)
    return {
        "runId": run_id,
        "batchId": batch,
        "title": title if title is not None else "",
        "command": command,
        "status": status,
        "runType": run_type,
        "userId": user[0],
        "userName": user[1],
        "projectId": project[0],
        "projectName": project[1],
        "projectOwnerId": project[2],
        "projectOwnerName": project[3],
        "hardwareTier": tier_id,
        "queuedTime": iso(queued_s),
        "startTime": iso(start_s) if start_s is not None else None,
        "endTime": iso(end_s) if end_s is not None else None,
        "runDurationSec": float(duration_s),
        "hardwareTierCostAmount": amount,
        "hardwareTierCostCurrency": CURRENCY,
        "totalCostAmount": amount,
        "totalCostCurrency": CURRENCY,
        "diskUsageGiB": disk[0],
        "diskUsagePercent": disk[1],
        "computeClusterDetails": None,
    }
