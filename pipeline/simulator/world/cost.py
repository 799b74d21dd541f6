"""Kubecost-like allocation and asset rows derived from executions.

Executions are split at midnight into day pieces and summed once per (day, workload type, project, user,
tier); a query slices the days it needs, maps pieces to label values and groups them. Executions added
while the simulator runs live in a small second table that is rebuilt when it changes."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.executions import WORKLOAD_TYPES

DAY_S = 86_400
UNALLOCATED = "__unallocated__"
IDLE = "__idle__"
# Small deterministic extras per workload type (Batch, Workspace, App, ModelAPI), as shares of compute.
PV_SHARE = np.array([0.03, 0.06, 0.02, 0.01])
NETWORK_SHARE = np.array([0.01, 0.005, 0.02, 0.03])
LOAD_BALANCER_SHARE = np.array([0.0, 0.0, 0.04, 0.05])
SHARED_SHARE = 0.02
IDLE_SHARE = np.array([0.25, 0.10, 0.25])  # cpu, gpu, ram idle as a share of the day's allocated cost
IDLE_FLOOR = np.array([1.5, 0.0, 0.8])  # dollars a day the cluster costs even when nothing runs
LABEL_ALIASES = {
    "user": "starting-user-username",
    "project": "project-name",
    "organization": "organization-name",
}
LABEL_PREFIX = "label:dominodatalab.com/"
NODES = [
    ("ip-10-0-1-11", "default", False),
    ("ip-10-0-1-12", "default", False),
    ("ip-10-0-2-21", "highmem", False),
    ("ip-10-0-3-31", "default-gpu", True),
    ("ip-10-0-3-32", "default-gpu", True),
]


@dataclass
class TierPrices:
    dollars_per_minute: np.ndarray
    split: np.ndarray  # (tiers, 3) cpu/gpu/ram shares
    cores: np.ndarray
    gpus: np.ndarray
    memory_gib: np.ndarray | None = None
    usage_seed: int = 0
    """Seeds the share of its request each (workload type, project) uses (Kubecost's usage averages)."""


@dataclass
class DayPieces:
    """Minutes per (day, workload type, project, user, tier), sorted by day."""

    day: np.ndarray
    wtype: np.ndarray
    project: np.ndarray
    user: np.ndarray
    tier: np.ndarray
    minutes: np.ndarray

    @staticmethod
    def empty() -> DayPieces:
        z = np.zeros(0, dtype=np.int64)
        return DayPieces(z, z, z, z, z, np.zeros(0))


def split_into_days(
    wtype: np.ndarray,
    project: np.ndarray,
    user: np.ndarray,
    tier: np.ndarray,
    start_s: np.ndarray,
    end_s: np.ndarray,
    origin_s: int,
) -> DayPieces:
    """Split each [start, end) at midnight and sum minutes per (day, type, project, user, tier)."""
    keep = end_s > start_s
    wtype, project, user, tier = wtype[keep], project[keep], user[keep], tier[keep]
    start, end = start_s[keep].astype(np.int64) - origin_s, end_s[keep].astype(np.int64) - origin_s
    if start.size == 0:
        return DayPieces.empty()
    first, last = start // DAY_S, (end - 1) // DAY_S
    n_pieces = (last - first + 1).astype(np.int64)
    row = np.repeat(np.arange(start.size), n_pieces)
    within = np.arange(row.size) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    day = first[row] + within
    seconds = np.minimum(end[row], (day + 1) * DAY_S) - np.maximum(start[row], day * DAY_S)
    key = (((day + 1024) * 4 + wtype[row]) * (1 << 20) + project[row]) * (1 << 20) + user[row]
    key = key * 64 + tier[row]
    uniq, inverse = np.unique(key, return_inverse=True)
    minutes = np.bincount(inverse, weights=seconds / 60.0, minlength=uniq.size)
    tier_u = uniq % 64
    rest = uniq // 64
    user_u, rest = rest % (1 << 20), rest // (1 << 20)
    project_u, rest = rest % (1 << 20), rest // (1 << 20)
    wtype_u, day_u = rest % 4, rest // 4 - 1024
    return DayPieces(day_u, wtype_u, project_u, user_u, tier_u, minutes)


def _concat(a: DayPieces, b: DayPieces) -> DayPieces:
    return DayPieces(
        *(
            np.concatenate([getattr(a, f), getattr(b, f)])
            for f in ("day", "wtype", "project", "user", "tier", "minutes")
        )
    )


def _slice(p: DayPieces, lo_day: int, hi_day: int) -> DayPieces:
    lo, hi = np.searchsorted(p.day, lo_day), np.searchsorted(p.day, hi_day)
    return DayPieces(
        p.day[lo:hi], p.wtype[lo:hi], p.project[lo:hi], p.user[lo:hi], p.tier[lo:hi], p.minutes[lo:hi]
    )


@dataclass
class PieceCosts:
    """Unrounded dollars per piece for each cost part."""

    cpu: np.ndarray
    gpu: np.ndarray
    ram: np.ndarray
    pv: np.ndarray
    network: np.ndarray
    load_balancer: np.ndarray
    shared: np.ndarray
    core_hours: np.ndarray
    gpu_hours: np.ndarray
    core_usage_hours: np.ndarray
    ram_byte_hours: np.ndarray
    ram_usage_byte_hours: np.ndarray


def usage_shares(seed: int, wtype: np.ndarray, project: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(CPU, RAM) share of its request a workload type uses in a project, seeded: batch jobs and workspaces
    10-90% and 15-95%; always-on apps and model APIs, idle most of the time, 3-30% and 5-30%."""
    key = wtype.astype(np.int64) * (1 << 20) + project
    always_on = wtype >= 2
    cpu = np.where(
        always_on,
        0.03 + 0.27 * ids.uniform(seed, "cpu-usage", key),
        0.1 + 0.8 * ids.uniform(seed, "cpu-usage", key),
    )
    ram = np.where(
        always_on,
        0.05 + 0.25 * ids.uniform(seed, "ram-usage", key),
        0.15 + 0.8 * ids.uniform(seed, "ram-usage", key),
    )
    return cpu, ram


def price_pieces(p: DayPieces, prices: TierPrices) -> PieceCosts:
    compute = p.minutes * prices.dollars_per_minute[p.tier]
    split = prices.split[p.tier]
    core_hours = p.minutes / 60 * prices.cores[p.tier]
    memory = prices.memory_gib[p.tier] if prices.memory_gib is not None else np.zeros(p.tier.size)
    ram_byte_hours = p.minutes / 60 * memory * 2.0**30
    cpu_share, ram_share = usage_shares(prices.usage_seed, p.wtype, p.project)
    return PieceCosts(
        compute * split[:, 0],
        compute * split[:, 1],
        compute * split[:, 2],
        compute * PV_SHARE[p.wtype],
        compute * NETWORK_SHARE[p.wtype],
        compute * LOAD_BALANCER_SHARE[p.wtype],
        compute * SHARED_SHARE,
        core_hours,
        p.minutes / 60 * prices.gpus[p.tier],
        core_hours * cpu_share,
        ram_byte_hours,
        ram_byte_hours * ram_share,
    )


def idle_parts(cpu: float, gpu: float, ram: float, days: int) -> tuple[float, float, float]:
    share = IDLE_SHARE * np.array([cpu, gpu, ram]) + IDLE_FLOOR * days
    return float(share[0]), float(share[1]), float(share[2])


def rfc3339(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pauses the cyclic GC while rendering many rows or events at once.

    Each row holds a dict (an allocation's window, an event's actor), so every row is GC-tracked and a
    burst of them triggers collections that cost more than building the rows (a year of allocation rows:
    ~425k). Rendered rows form no cycles; the previous GC state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def round5(x: np.ndarray) -> np.ndarray:
    """`round(v, 5)` for every element, vectorised and bit-identical to Python's correctly rounded `round`.

    rint(v * 1e5) / 1e5 agrees with `round` unless v * 1e5 lands near a half, where the product's own
    rounding can tip it (costs are minutes x short decimal prices, so near-halves are common). There the
    exact product v * 1e5 = hi * 1e5 + lo * 1e5 (a Veltkamp split of v, both products exact) is compared
    with the half to pick the side. Values too big for that (or not finite) go to `round` one by one."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = x * 1e5
        out = np.rint(scaled)
        below = np.floor(scaled)
        near_half = np.abs(scaled - below - 0.5) < 1e-3
        if near_half.any():
            v, half = x[near_half], below[near_half] + 0.5
            gamma = v * 131073.0  # 2**17 + 1 splits v into a 36-bit head and the rest
            hi = gamma - (gamma - v)
            side = (hi * 1e5 - half) + (v - hi) * 1e5  # sign of the exact v * 1e5 - half
            out[near_half] = np.where(side > 0, half + 0.5, np.where(side < 0, half - 0.5, np.rint(half)))
        out /= 1e5
        unsafe = ~(np.abs(scaled) < 2.0**40)
    for k in np.flatnonzero(unsafe).tolist():
        out[k] = round(float(x[k]), 5)
    return out


def normalise_label(key: str) -> str:
    key = key.strip().removeprefix(LABEL_PREFIX)
    return LABEL_ALIASES.get(key, key)


@dataclass
class LabelSource:
    """Current label values per entity index, read from the (mutable) inventory at query time."""

    project_ids: list[str]
    project_names: Callable[[], list[str]]
    project_orgs: Callable[[], list[str | None]]
    project_tags: Callable[[], list[str | None]]
    usernames: Callable[[], list[str]]


def label_values(key: str, p: DayPieces, src: LabelSource) -> tuple[np.ndarray, list[str]]:
    """(code per piece, value per code) for one aggregate key; codes are small ints."""
    if key == "workload-type":
        return p.wtype, list(WORKLOAD_TYPES)
    if key == "cluster":
        return np.zeros(p.day.size, dtype=np.int64), ["domino-cluster"]
    by_entity: list[str | None]
    if key == "project-id":
        by_entity, codes = list(src.project_ids), p.project
    elif key == "project-name":
        by_entity, codes = src.project_names(), p.project
    elif key == "organization-name":
        by_entity, codes = src.project_orgs(), p.project
    elif key == "billing-tag":
        by_entity, codes = src.project_tags(), p.project
    elif key == "starting-user-username":
        by_entity, codes = src.usernames(), p.user
    else:
        raise ValueError(
            f"unsupported aggregate {key!r}; expected workload-type, project-id, project-name, "
            "starting-user-username, organization-name, billing-tag, user, project or organization"
        )
    values = [v if v else UNALLOCATED for v in by_entity]
    vocab = sorted(set(values))
    position = {v: k for k, v in enumerate(vocab)}
    entity_code = np.array([position[v] for v in values] or [0], dtype=np.int64)
    return entity_code[codes], vocab
