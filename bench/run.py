"""`make bench`: records/s and peak RSS of the pipeline end to end vs the bare fetch bound, at scale=large.

Starts the Domino simulator in its own process (its own core), then runs every measurement in a fresh
spawned process so each peak RSS is that measurement's alone. Prints a side-by-side table and the issue's
targets (PASS/MISS), and writes `bench-results/bench.json`.

Run: `python -m bench [--quick] [--audit-days 15,146] [--cost-days 30] [--profile]`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.measure import Job, measure

WORLD_END = date(2026, 11, 1)
"""Last (exclusive) day of the simulator's default world; windows are the N days before it."""
RESULTS = Path("bench-results")
SIMULATOR_START_TIMEOUT_S = 180.0

AUDIT_EVENTS_PER_S_TARGET = 100_000
FETCH_RATIO_TARGET = 0.5
PEAK_RSS_MB_TARGET = 300.0
FLAT_TOLERANCE_MB = 30.0
FLAT_TOLERANCE_SHARE = 0.15
"""RSS counts as flat when the largest run's peak exceeds the smallest's by at most max(30 MB, 15%)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Simulator:
    """`domino-etl simulator --scale large` as a child process, killed on exit."""

    def __init__(self, scale: str, seed: int = 42) -> None:
        self.port = _free_port()
        self.api_key = "bench-" + secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._command = [
            sys.executable, "-m", "pipeline.cli", "simulator",
            "--scale", scale, "--port", str(self.port), "--seed", str(seed), "--admin-key", self.api_key,
        ]  # fmt: skip
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Simulator:
        began = time.perf_counter()
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while time.perf_counter() - began < SIMULATOR_START_TIMEOUT_S:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"simulator exited with {self._process.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/__sim/config", timeout=2.0).status_code == 200:
                    print(f"simulator (scale=large) ready in {time.perf_counter() - began:.1f} s", flush=True)
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"simulator did not answer /__sim/config within {SIMULATOR_START_TIMEOUT_S:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def _in_fresh_process(job: Job) -> dict[str, Any]:
    """One measurement in a newly spawned interpreter, so its peak RSS is not polluted by earlier ones."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, job).result()


def _day_list(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated day counts, got {text!r}") from None
    if not values or values[0] < 1 or values[-1] > 365:
        raise argparse.ArgumentTypeError(f"day counts must lie in 1..365, got {text!r}")
    return values


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--audit-days", type=_day_list, default=None,
        help="audit window sizes in days (default 15,146 ≈ 200k and 2M events; --quick: 2,6)",
    )  # fmt: skip
    parser.add_argument(
        "--cost-days", type=_day_list, default=None, help="cost window sizes in days (default 30; --quick: 3)"
    )
    parser.add_argument("--quick", action="store_true", help="small windows, for a smoke run")
    parser.add_argument(
        "--profile", action="store_true",
        help="also profile one pipeline run per dataset (smallest size; top 15 cumulative; "
        "bench-results/*.prof)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.audit_days = args.audit_days or ([2, 6] if args.quick else [15, 146])
    args.cost_days = args.cost_days or ([3] if args.quick else [30])
    return args


def _window(n_days: int) -> tuple[date, date]:
    return WORLD_END - timedelta(days=n_days), WORLD_END


def _row(dataset: str, n_days: int, fetch: dict[str, Any], pipe: dict[str, Any]) -> dict[str, Any]:
    ratio = pipe["records_per_s"] / fetch["records_per_s"] if fetch["records_per_s"] else 0.0
    return {
        "dataset": dataset,
        "days": n_days,
        "fetch": fetch,
        "pipeline": pipe,
        "ratio_pipeline_to_fetch": round(ratio, 3),
        "pipeline_peak_rss_mb": pipe["peak_rss_mb"],
        "pipeline_rss_growth_mb": round(pipe["peak_rss_mb"] - pipe["baseline_rss_mb"], 1),
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'dataset':<7} {'days':>4} | {'fetch recs':>10} {'s':>7} {'recs/s':>9} {'RSS MB':>7} | "
        f"{'pipe recs':>10} {'s':>7} {'recs/s':>9} {'ratio':>6} {'peak MB':>8} {'+base':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        f, p = row["fetch"], row["pipeline"]
        print(
            f"{row['dataset']:<7} {row['days']:>4} | {f['records']:>10,} {f['seconds']:>7.1f} "
            f"{f['records_per_s']:>9,.0f} {f['peak_rss_mb']:>7.0f} | "
            f"{p['records']:>10,} {p['seconds']:>7.1f} "
            f"{p['records_per_s']:>9,.0f} {row['ratio_pipeline_to_fetch']:>6.2f} {p['peak_rss_mb']:>8.0f} "
            f"{row['pipeline_rss_growth_mb']:>6.0f}"
        )
    print("(peak MB = peak RSS of the measuring process during the run; +base = peak minus RSS just before)")


def _targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, judged on the measured rows (audit targets on the largest audit window)."""
    audit = sorted((r for r in rows if r["dataset"] == "audit"), key=lambda r: r["pipeline"]["records"])
    checks: list[dict[str, Any]] = []
    if audit:
        big = audit[-1]
        rate = big["pipeline"]["records_per_s"]
        checks.append(
            {
                "target": f">= {AUDIT_EVENTS_PER_S_TARGET:,} audit events/s end to end (2 cores)",
                "measured": f"{rate:,.0f}/s over {big['pipeline']['records']:,} events",
                "ok": rate >= AUDIT_EVENTS_PER_S_TARGET,
            }
        )
    for row in rows:
        checks.append(
            {
                "target": f">= {FETCH_RATIO_TARGET}x fetch bound ({row['dataset']}, {row['days']} d)",
                "measured": f"{row['ratio_pipeline_to_fetch']:.2f}x",
                "ok": row["ratio_pipeline_to_fetch"] >= FETCH_RATIO_TARGET,
            }
        )
    worst = max(rows, key=lambda r: r["pipeline_peak_rss_mb"])
    where = f"{worst['dataset']}, {worst['days']} d"
    checks.append(
        {
            "target": f"peak RSS <= {PEAK_RSS_MB_TARGET:.0f} MB",
            "measured": f"{worst['pipeline_peak_rss_mb']:.0f} MB at most ({where})",
            "ok": worst["pipeline_peak_rss_mb"] <= PEAK_RSS_MB_TARGET,
        }
    )
    if len(audit) >= 2:
        small, big = audit[0], audit[-1]
        lo, hi = small["pipeline_peak_rss_mb"], big["pipeline_peak_rss_mb"]
        checks.append(
            {
                "target": f"peak RSS flat from {small['pipeline']['records']:,} "
                f"to {big['pipeline']['records']:,} audit events",
                "measured": f"{lo:.0f} MB -> {hi:.0f} MB",
                "ok": hi - lo <= max(FLAT_TOLERANCE_MB, FLAT_TOLERANCE_SHARE * lo),
            }
        )
    return checks


def _print_profile(dataset: str, result: dict[str, Any]) -> None:
    print(f"\n== profile: pipeline {dataset}, {result['days']} d, {result['records']:,} records, "
          f"{result['seconds']:.1f} s (under cProfile) ==")  # fmt: skip
    for label, seconds in (result.get("profile_buckets") or {}).items():
        share = seconds / result["seconds"] if result["seconds"] else 0.0
        print(f"  {label:<34} {seconds:>7.2f} s cumulative ({share:.0%})")
    print(result.get("profile_top", ""))


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    RESULTS.mkdir(exist_ok=True)
    plan = [("audit", n) for n in args.audit_days] + [("cost", n) for n in args.cost_days]
    rows: list[dict[str, Any]] = []
    profiles: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    with Simulator("large", args.seed) as sim:
        for dataset, n_days in plan:
            start, end = _window(n_days)
            measured = {}
            for kind in ("fetch", "pipeline"):
                print(f"{dataset:<5} {n_days:>3} d [{start}, {end}) {kind} ...", end=" ", flush=True)
                measured[kind] = _in_fresh_process(Job(kind, dataset, start, end, sim.base_url, sim.api_key))
                m = measured[kind]
                print(f"{m['records']:,} records in {m['seconds']:.1f} s, peak RSS {m['peak_rss_mb']:.0f} MB",
                      flush=True)  # fmt: skip
            rows.append(_row(dataset, n_days, measured["fetch"], measured["pipeline"]))
        if args.profile:
            for dataset, n_days in ((d, min(n for k, n in plan if k == d)) for d in ("audit", "cost")):
                start, end = _window(n_days)
                prof = str(RESULTS / f"profile-{dataset}.prof")
                print(f"{dataset:<5} {n_days:>3} d pipeline under cProfile ...", flush=True)
                profiles[dataset] = _in_fresh_process(
                    Job("pipeline", dataset, start, end, sim.base_url, sim.api_key, profile_to=prof)
                )
    _print_table(rows)
    checks = _targets(rows)
    print("\nTargets (issue):")
    for check in checks:
        print(f"  {'PASS' if check['ok'] else 'MISS'}  {check['target']}: {check['measured']}")
    for dataset, result in profiles.items():
        _print_profile(dataset, result)
    report = {
        "scale": "large",
        "seed": args.seed,
        "cpu_count": os.cpu_count(),
        "world_end": WORLD_END.isoformat(),
        "rows": rows,
        "targets": checks,
        "profiles": {d: {k: v for k, v in r.items() if k != "profile_top"} for d, r in profiles.items()},
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    out = RESULTS / "bench.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwrote {out} (total {report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
