"""How fast the world answers what the benchmark asks: `python -m pipeline.simulator.world.profile`.

The product benchmark must measure the pipeline, not the simulator, so the world has budgets: a 1,000-event
audit page (one-day window, `+timestamp`) in <= 2 ms, a full-year cost query by one label in <= 3 s.
Each number is the minimum of `--repeats` runs (time.perf_counter), on a fresh `World(seed, scale)`."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pipeline.simulator.world import World

DAY_MS = 86_400_000
PAGE = 1_000


def best_of(fn: Callable[[], object], repeats: int) -> Timing:
    """Minimum wall and CPU time of `repeats` calls, in seconds (the result is freed after the clocks stop).

    CPU time (this process) is shown next to wall time because on a shared machine the wall clock also
    counts the time other processes held the core."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        del result
    return Timing(wall, cpu)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float

    def ms(self) -> str:
        return f"{self.wall * 1e3:.2f} ms (cpu {self.cpu * 1e3:.2f} ms)"

    def s(self) -> str:
        return f"{self.wall:.3f} s (cpu {self.cpu:.3f} s)"


def audit_page_times(world: World, repeats: int, days: int = 8) -> list[Timing]:
    """Seconds per full 1,000-event page: first, middle and last full page of `days` days over the year."""
    start_ms = int(world.start.timestamp() * 1000)
    n_days = (world.end - world.start).days
    times = []
    for d in range(0, n_days, max(n_days // days, 1)):
        lo = start_ms + d * DAY_MS
        _, total = world.audit_events(lo, lo + DAY_MS, limit=0)
        for offset in sorted({0, (total // 2 // PAGE) * PAGE, max(total - PAGE, 0)}):

            def page(lo: int = lo, offset: int = offset) -> object:
                return world.audit_events(
                    lo, lo + DAY_MS, sort=[("timestamp", True)], offset=offset, limit=PAGE
                )

            times.append(best_of(page, repeats))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; min of {args.repeats} runs each")
    t0 = time.perf_counter()
    world = World(seed=args.seed, scale=args.scale)
    print(f"build {args.scale}: {time.perf_counter() - t0:.2f} s, {world.truth()['audit_events']:,} events")

    pages = audit_page_times(world, args.repeats)
    wall = statistics.median(p.wall for p in pages)
    cpu = statistics.median(p.cpu for p in pages)
    print(
        f"audit page ({PAGE} events, 1-day window, +timestamp), median of {len(pages)} pages: "
        f"{Timing(wall, cpu).ms()}, worst {max(p.wall for p in pages) * 1e3:.2f} ms "
        f"-> {PAGE / wall:,.0f} events/s"
    )
    full = [("actorName", True), ("timestamp", False)]
    t = best_of(lambda: world.audit_events(None, None, sort=full, offset=10_000, limit=PAGE), args.repeats)
    print(f"audit page over all events, sort=+actorName,-timestamp: {t.s()}")
    t = best_of(lambda: world.audit_events(None, None, event="Start Job", limit=PAGE), args.repeats)
    print(f"audit page over all events, event=Start Job: {t.ms()}")

    day = world.start + timedelta(days=200)
    six = [
        "workload-type",
        "project-id",
        "project-name",
        "starting-user-username",
        "organization-name",
        "billing-tag",
    ]
    queries: list[tuple[str, Callable[[], list[dict]]]] = [
        (
            "allocation 1 day x 6 labels",
            lambda: world.cost_allocation(day, day + timedelta(days=1), six, False),
        ),
        (
            "allocation year x project, daily",
            lambda: world.cost_allocation(world.start, world.end, ["project"], False),
        ),
        (
            "allocation year x project, accumulated",
            lambda: world.cost_allocation(world.start, world.end, ["project"], True),
        ),
        (
            "allocation year x 6 labels, accumulated",
            lambda: world.cost_allocation(world.start, world.end, six, True),
        ),
        (
            "summary year x user, daily",
            lambda: world.cost_allocation(world.start, world.end, ["user"], False, True),
        ),
        ("assets year, daily", lambda: world.cost_assets(world.start, world.end, False)),
    ]
    for label, query in queries:
        rows = len(query())
        print(f"{label}: {best_of(query, args.repeats).s()} ({rows:,} rows)")


if __name__ == "__main__":
    main()
