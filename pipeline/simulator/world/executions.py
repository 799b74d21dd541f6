"""Batch jobs and workspace sessions as compact numpy columns; job dicts are rendered per page.

Submission time of job i is monotone in i, so the global index order is time order and the per-project
index (a stable argsort) lists each project's jobs by `number`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.gen import iso

WORKLOAD_TYPES = ["Batch", "Workspace", "App", "ModelAPI"]
FINAL_STATUSES = ["Succeeded", "Failed", "Stopped", "Error"]
FINAL_WEIGHTS = [0.85, 0.08, 0.04, 0.03]
TITLES = [
    "nightly-train",
    "feature-build",
    "backfill",
    "score-batch",
    "evaluate",
    "etl-refresh",
    "hyperparam-sweep",
    "report",
    "data-quality",
    "retrain",
]
COMMANDS = [
    "train.py",
    "jobs/features.py --full",
    "backfill.sh",
    "score.py --batch",
    "evaluate.ipynb",
    "etl/refresh.py",
    "sweep.py --trials 20",
    "report.Rmd",
    "dq_checks.py",
    "retrain.py",
]
JOB_TIER_WEIGHTS = [40, 25, 12, 5, 6, 2]  # over the first six (non model-API, non-archived) tiers


def _lognormal_seconds(seed: int, stream: str, i: np.ndarray, median_s: float, sigma: float) -> np.ndarray:
    u1 = np.maximum(ids.uniform(seed, stream + "-a", i), 1e-12)
    u2 = ids.uniform(seed, stream + "-b", i)
    z = np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)
    return np.exp(np.log(median_s) + sigma * z)


@dataclass
class JobColumns:
    project: np.ndarray  # int32
    number: np.ndarray  # int32, 1-based per project
    user: np.ndarray  # int32
    tier: np.ndarray  # int16
    env: np.ndarray  # int16
    submit_s: np.ndarray  # int64
    start_s: np.ndarray  # int64, -1 when still queued
    end_s: np.ndarray  # int64, -1 when not finished
    status: np.ndarray  # int8 index into STATUS_NAMES
    by_project: np.ndarray  # int32 job indices grouped by project, ascending number
    project_offsets: np.ndarray  # int64, len = projects + 1


STATUS_NAMES = [*FINAL_STATUSES, "Running", "Queued"]
RUNNING, QUEUED = 4, 5
DAY_S = 86_400


@dataclass(frozen=True)
class CostSpike:
    """A planted anomaly: the first `jobs` batch jobs submitted on `day` (days after the world start) move
    to `project`, run on tier index `tier` (GPU Large) as its owner and succeed after up to 12 hours, ending
    before midnight, so the whole burst bills on that one project-day."""

    project: int
    day: int
    jobs: int = 8
    tier: int = 5


def generate_jobs(
    seed: int,
    n: int,
    n_projects: int,
    owners: np.ndarray,
    n_users: int,
    n_envs: int,
    start_s: int,
    end_s: int,
    spike: CostSpike | None = None,
) -> JobColumns:
    i = np.arange(n, dtype=np.int64)
    span = end_s - start_s
    submit = start_s + ((i + ids.uniform(seed, "job-submit", i)) * (span / max(n, 1))).astype(np.int64)
    weights = ids.uniform(seed, "project-weight", np.arange(n_projects)) ** 3 + 0.02
    project = ids.weighted_choice(seed, "job-project", i, weights).astype(np.int32)
    own = ids.uniform(seed, "job-by-owner", i) < 0.6
    user = np.where(own, owners[project], ids.choice(seed, "job-user", i, n_users)).astype(np.int32)
    tier = ids.weighted_choice(seed, "job-tier", i, np.array(JOB_TIER_WEIGHTS)).astype(np.int16)
    env = ids.choice(seed, "job-env", i, max(n_envs - 1, 1)).astype(np.int16)
    start = submit + 5 + (ids.uniform(seed, "job-queue", i) * 120).astype(np.int64)
    duration = np.clip(_lognormal_seconds(seed, "job-duration", i, 600, 1.1), 60, 12 * 3600).astype(np.int64)
    end = np.minimum(start + duration, end_s - 1)
    status = ids.weighted_choice(seed, "job-status", i, np.array(FINAL_WEIGHTS)).astype(np.int8)
    if spike is not None:
        day_start = start_s + spike.day * DAY_S
        first = int(np.searchsorted(submit, day_start))
        burst = np.arange(first, min(first + spike.jobs, n))
        burst = burst[submit[burst] < day_start + DAY_S]
        project[burst], user[burst], tier[burst], status[burst] = (
            spike.project,
            owners[spike.project],
            spike.tier,
            0,
        )
        end[burst] = np.minimum(start[burst] + 12 * 3600, day_start + DAY_S - 60)
    unfinished = min(n, max(3, min(20, n // 1000)))
    if unfinished:
        tail = np.arange(n - unfinished, n)
        running = tail[: (unfinished + 1) // 2]
        queued = tail[(unfinished + 1) // 2 :]
        status[running] = RUNNING
        start[running] = np.minimum(start[running], end_s - 60)
        end[running] = -1
        status[queued] = QUEUED
        start[queued] = -1
        end[queued] = -1
    end = np.where((end >= 0) & (end <= start), start + 60, end)
    by_project = np.argsort(project, kind="stable").astype(np.int32)
    counts = np.bincount(project, minlength=n_projects)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    number = np.empty(n, dtype=np.int32)
    number[by_project] = (np.arange(n) - np.repeat(offsets[:-1], counts) + 1).astype(np.int32)
    return JobColumns(project, number, user, tier, env, submit, start, end, status, by_project, offsets)


def generate_workspaces(
    seed: int, n: int, n_projects: int, owners: np.ndarray, n_users: int, start_s: int, end_s: int
) -> tuple[np.ndarray, ...]:
    """Workspace sessions: (project, user, tier, start_s, end_s) columns."""
    i = np.arange(n, dtype=np.int64)
    start = start_s + ((i + ids.uniform(seed, "ws-start", i)) * ((end_s - start_s) / max(n, 1))).astype(
        np.int64
    )
    weights = ids.uniform(seed, "project-weight", np.arange(n_projects)) ** 3 + 0.02
    project = ids.weighted_choice(seed, "ws-project", i, weights).astype(np.int32)
    own = ids.uniform(seed, "ws-by-owner", i) < 0.7
    user = np.where(own, owners[project], ids.choice(seed, "ws-user", i, n_users)).astype(np.int32)
    tier = ids.weighted_choice(seed, "ws-tier", i, np.array([30, 30, 10, 3, 5, 1])).astype(np.int16)
    duration = np.clip(_lognormal_seconds(seed, "ws-duration", i, 2 * 3600, 0.8), 600, 10 * 3600)
    end = np.minimum(start + duration.astype(np.int64), end_s)
    return project, user, tier, start, end


@dataclass
class JobRenderContext:
    seed: int
    project_ids: list[str]
    user_ids: list[str]
    tier_ids: list[str]
    env_ids: list[str]
    job_ids: ids.ReversibleIds
    tier_memory_gib: list[float]


def peak_usage(h: int, memory_gib: float) -> dict:
    """JobUsageV1 (the run's peak): `cpuPercentage` of the tier's cores, `memoryGiB` within its memory.

    About 40% of jobs use their tier well (peaks at 50-95%); the rest peak at 3-35%, the
    over-provisioned jobs a rightsizing report should find."""
    well_sized = h % 100 < 40
    cpu = (0.5 + ((h >> 8) % 45) / 100) if well_sized else (0.03 + ((h >> 8) % 32) / 100)
    memory = (0.5 + ((h >> 20) % 45) / 100) if well_sized else (0.03 + ((h >> 20) % 32) / 100)
    return {"cpuPercentage": round(cpu * 100, 1), "memoryGiB": round(memory * memory_gib, 2)}


def render_jobs(cols: JobColumns, idx: np.ndarray, ctx: JobRenderContext) -> list[dict]:
    """JobDetailsV1-shaped dicts (plus seed fields projectId, hardwareTierId, environmentId)."""
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size == 0:
        return []
    job_ids = ctx.job_ids.render(idx, cols.submit_s[idx])
    h = ids.hash_u64(ctx.seed, "job-render", idx)
    commits = ids.hash_u64(ctx.seed, "job-commit", idx)
    out = []
    for k, j in enumerate(idx.tolist()):
        hk = int(h[k])
        status = int(cols.status[j])
        start, end = int(cols.start_s[j]), int(cols.end_s[j])
        project_id = ctx.project_ids[int(cols.project[j])]
        commit = f"{int(commits[k]):016x}"[:12]
        title_i = hk % len(TITLES)
        stage = {
            "submissionTime": iso(int(cols.submit_s[j])),
            "startTime": iso(start) if start >= 0 else None,
            "completedTime": iso(end) if end >= 0 else None,
        }
        out.append(
            _job_dict(
                job_ids[k],
                int(cols.number[j]),
                TITLES[title_i],
                COMMANDS[title_i],
                ctx.user_ids[int(cols.user[j])],
                STATUS_NAMES[status],
                status < RUNNING,
                stage,
                peak_usage(hk >> 4, ctx.tier_memory_gib[int(cols.tier[j])]),
                commit,
                project_id,
                ctx.tier_ids[int(cols.tier[j])],
                ctx.env_ids[int(cols.env[j])],
            )
        )
    return out


def _job_dict(
    job_id: str,
    number: int,
    title: str | None,
    command: str,
    user_id: str,
    status: str,
    completed: bool,
    stage: dict,
    usage: dict,
    commit: str,
    project_id: str,
    tier_id: str,
    env_id: str,
) -> dict:
    return {
        "id": job_id,
        "number": number,
        "title": title,
        "runCommand": command,
        "startedById": user_id,
        "status": {
            "executionStatus": status,
            "isCompleted": completed,
            "isArchived": False,
            "isScheduled": False,
        },
        "stageTimes": stage,
        "usage": usage,
        "commitDetails": {"inputCommitId": commit, "outputCommitId": commit[::-1] if completed else None},
        "mainRepoGitRef": None,
        "computeCluster": None,
        "datasetMounts": [],
        "externalVolumeMounts": [],
        "netAppVolumeMounts": [],
        "gitRepos": [],
        "projects": [{"projectId": project_id, "commitId": commit}],
        "dominoStats": [],
        "runLauncherId": None,
        "commentsCount": 0,
        "goalIds": [],
        "tags": [],
        "queuedJobStatusDetails": None,
        "projectId": project_id,
        "hardwareTierId": tier_id,
        "environmentId": env_id,
    }


def new_job_dict(
    job_id: str,
    number: int,
    title: str | None,
    command: str,
    user_id: str,
    submit_s: float,
    project_id: str,
    tier_id: str,
    env_id: str,
) -> dict:
    """A job started through the API: Running from the moment it is submitted."""
    stage = {"submissionTime": iso(submit_s), "startTime": iso(submit_s), "completedTime": None}
    return _job_dict(
        job_id,
        number,
        title,
        command,
        user_id,
        "Running",
        False,
        stage,
        {"cpuPercentage": 0.0, "memoryGiB": 0.0},
        job_id[-12:],
        project_id,
        tier_id,
        env_id,
    )
