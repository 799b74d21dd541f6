"""`make bench`: records/s and peak RSS end to end, side by side with the fetch bound and with dlt.

Two servers:
- the fast page server (`bench.pages`, pre-rendered pages, so the server is not the bottleneck):
  audit events at 100k/day over 2 days (200k) and 20 days (2M), at 10k/day over 20 days (200k, for
  memory against events per day), and cost allocation (2,500 rows/day, 30 days);
- the simulator at `scale=large` (its own rendering caps the fetch bound): audit 15 days, cost 30 days,
  and the whole runs export (1.15M runs, cursor-paged: the largest table of a real deployment).

Each measurement runs alone in a fresh spawned process (its peak RSS is its own): `fetch` (httpx +
orjson, the fetch bound), `bytes` (httpx alone), `pipeline` (the columnar path, `Extraction.run` into
DuckDB), `records` (the same pipeline on the per-record path) and `dlt` (`rest_api` → DuckDB with the
parquet loader, in `.venv-dlt`). Ratios compare measurements of the same run. Prints the table, the issue's
targets (PASS/MISS), a CPU budget (CPU seconds per 100k records, the measuring process's and the
server's, and the rate that cost allows on this machine's cores: unlike records/s it hardly moves with
the machine's load) and a per-stage profile of one pipeline run; writes `bench-results/bench.json`.

Run: `python -m bench [--quick] [--no-simulator] [--no-profile]`.
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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.measure import Job, cpu_seconds, measure
from bench.pages import Served, page_server

WORLD_END = date(2026, 11, 1)
"""Last (exclusive) day of the simulator's default world; windows are the N days before it."""
RESULTS = Path("bench-results")
DLT_PYTHON = Path(".venv-dlt/bin/python")
SIMULATOR_START_TIMEOUT_S = 180.0

AUDIT_EVENTS_PER_S_TARGET = 100_000
FETCH_RATIO_TARGET = 0.5
DLT_RATIO_TARGET = 10.0
PEAK_RSS_MB_TARGET = 300.0
FLAT_TOLERANCE_MB = 30.0
FLAT_TOLERANCE_SHARE = 0.15
"""RSS counts as flat when the larger run's peak exceeds the smaller's by at most max(30 MB, 15%)."""


@dataclass(frozen=True)
class Case:
    """One row of the table: a dataset over a window on a server, and which kinds to measure."""

    label: str
    server: str
    """`pages:<events per day>` or `simulator`."""
    dataset: str
    days: int
    """The window's days (0: not a daily endpoint, the whole export is read)."""
    kinds: tuple[str, ...]

    @property
    def span(self) -> str:
        return f"{self.days} d" if self.days else "all"


def _plan(args: argparse.Namespace) -> list[Case]:
    if args.quick:
        return [
            Case(
                "audit 20k/day", "pages:20000", "audit", 2, ("fetch", "bytes", "pipeline", "records", "dlt")
            ),
            Case("audit 2k/day", "pages:2000", "audit", 4, ("fetch", "pipeline")),
            Case("cost 2.5k/day", "pages:20000", "cost", 3, ("fetch", "pipeline", "records", "dlt")),
        ]
    cases = [
        Case("audit 100k/day", "pages:100000", "audit", 2, ("fetch", "bytes", "pipeline", "records", "dlt")),
        Case("audit 100k/day", "pages:100000", "audit", 20, ("fetch", "pipeline")),
        Case("audit 10k/day", "pages:10000", "audit", 20, ("fetch", "pipeline")),
        Case("cost 2.5k/day", "pages:100000", "cost", 30, ("fetch", "pipeline", "records", "dlt")),
    ]
    if not args.no_simulator:
        cases += [
            Case("audit (simulator)", "simulator", "audit", 15, ("fetch", "pipeline")),
            Case("cost (simulator)", "simulator", "cost", 30, ("fetch", "pipeline")),
            Case("runs (simulator)", "simulator", "runs", 0, ("fetch", "pipeline")),
        ]
    return cases


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

    @property
    def served(self) -> Served:
        assert self._process is not None, "the simulator is not running"
        return Served(self.base_url, self._process.pid)

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


def in_fresh_process(job: Job) -> dict[str, Any]:
    """One measurement in a newly spawned interpreter, so its peak RSS is not polluted by earlier ones."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, job).result()


def _dlt(dataset: str, base_url: str, start: date, end: date) -> dict[str, Any] | None:
    """dlt's measurement in its own virtualenv (None when `.venv-dlt` is missing: `make bench` makes it)."""
    if not DLT_PYTHON.exists():
        return None
    if dataset == "audit":
        start_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
        end_ms = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp() * 1000)
        args = [str(start_ms), str(end_ms)]
    else:
        args = [start.isoformat(), str((end - start).days)]
    command = [str(DLT_PYTHON), "bench/dlt_peer.py", dataset, base_url, *args]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RUNTIME__LOG_LEVEL": "WARNING"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"dlt peer failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["records_per_s"] = round(result["records"] / result["seconds"], 1) if result["seconds"] else 0.0
    return result


def days_before_world_end(n_days: int) -> tuple[date, date]:
    return WORLD_END - timedelta(days=n_days), WORLD_END


def _measure_case(case: Case, server: Served, api_key: str) -> dict[str, Any]:
    start, end = days_before_world_end(case.days)
    base_url = server.base_url
    measured: dict[str, Any] = {}
    for kind in case.kinds:
        print(f"{case.label:<18} {case.span:>5} {kind:<8} ...", end=" ", flush=True)
        server_cpu_before = cpu_seconds(server.pid)
        if kind == "dlt":
            result = _dlt(case.dataset, base_url, start, end)
            if result is None:
                print("skipped (no .venv-dlt; `make bench` creates it)", flush=True)
                continue
        else:
            pipeline_kind = "pipeline" if kind in ("pipeline", "records") else kind
            shaping = "records" if kind == "records" else "columnar"
            result = in_fresh_process(
                Job(pipeline_kind, case.dataset, start, end, base_url, api_key, None, shaping)
            )
        result["server_cpu_seconds"] = round(cpu_seconds(server.pid) - server_cpu_before, 2)
        measured[kind] = result
        rate, peak = result["records_per_s"], result["peak_rss_mb"]
        print(
            f"{result['records']:,} in {result['seconds']:.1f} s = {rate:,.0f}/s, peak RSS {peak:.0f} MB",
            flush=True,
        )
    return case_row(case, measured)


def case_row(case: Case, measured: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: a case's measurements by kind, and the pipeline's ratios to the others."""
    pipe = measured.get("pipeline", {})

    def ratio(kind: str) -> float | None:
        other = measured.get(kind)
        if not pipe or not other or not other.get("records_per_s"):
            return None
        return round(pipe["records_per_s"] / other["records_per_s"], 3)

    return {
        "label": case.label,
        "server": case.server,
        "dataset": case.dataset,
        "days": case.days,
        "span": case.span,
        "measured": measured,
        "ratio_fetch": ratio("fetch"),
        "ratio_bytes": ratio("bytes"),
        "ratio_records": ratio("records"),
        "ratio_dlt": ratio("dlt"),
    }


def _cell(result: dict[str, Any] | None) -> str:
    if not result:
        return f"{'-':>17}"
    return f"{result['records_per_s']:>9,.0f} {result['peak_rss_mb']:>5.0f}MB"


def _print_table(rows: list[dict[str, Any]]) -> None:
    kinds = ("fetch", "bytes", "pipeline", "records", "dlt")
    header = f"{'case':<18} {'days':>5} {'records':>10} | " + " | ".join(
        f"{k + ' /s, RSS':>17}" for k in kinds
    )
    header += " | pipe/fetch pipe/dlt"
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        m = row["measured"]
        records = m.get("pipeline", {}).get("records", 0)
        cells = " | ".join(_cell(m.get(k)) for k in kinds)
        fetch = f"{row['ratio_fetch']:.2f}" if row["ratio_fetch"] is not None else "-"
        dlt = f"{row['ratio_dlt']:.1f}" if row["ratio_dlt"] is not None else "-"
        print(f"{row['label']:<18} {row['span']:>5} {records:>10,} | {cells} | {fetch:>10} {dlt:>8}")
    print("(records/s and peak RSS per measurement; ratios: the pipeline's records/s over the other's)")


def _cpu_per_100k(result: dict[str, Any]) -> tuple[float, float] | None:
    """(measuring process, server) CPU seconds per 100k records, None when the run had no CPU time."""
    if not result.get("records") or "cpu_seconds" not in result:
        return None
    per = 100_000 / result["records"]
    return result["cpu_seconds"] * per, result.get("server_cpu_seconds", 0.0) * per


def print_cpu_budget(rows: list[dict[str, Any]]) -> None:
    """CPU cost per 100k records and the rate it allows with every core busy: what limits records/s on a
    machine whose cores are few (or shared), and what a speed target asks of each stage."""
    cores = os.cpu_count() or 1
    print("\nCPU budget: CPU seconds per 100k records (measuring process + server), and the rate that cost")
    print(f"allows with all {cores} cores busy and nothing else running:")
    for row in rows:
        cells = []
        for kind in ("fetch", "bytes", "pipeline", "records", "dlt"):
            cost = _cpu_per_100k(row["measured"].get(kind) or {})
            if cost is not None:
                own, server = cost
                cells.append(f"{kind} {own:.2f} + {server:.2f} ({cores * 100_000 / (own + server):,.0f}/s)")
        print(f"  {row['label']}, {row['span']}: " + ", ".join(cells))
    need = cores * 100_000 / AUDIT_EVENTS_PER_S_TARGET
    audit = [r for r in rows if r["dataset"] == "audit" and r["server"].startswith("pages:")]
    spent = [c for r in audit if (c := _cpu_per_100k(r["measured"].get("pipeline") or {}))]
    if spent:
        low = min(sum(c) for c in spent)
        print(
            f"  {AUDIT_EVENTS_PER_S_TARGET:,} audit events/s on {cores} cores allows at most {need:.2f} "
            f"CPU-s per 100k events, client and server together; the pipeline spends {low:.2f} at best"
        )


def _flat(small: dict[str, Any], big: dict[str, Any], what: str) -> dict[str, Any]:
    lo, hi = small["measured"]["pipeline"]["peak_rss_mb"], big["measured"]["pipeline"]["peak_rss_mb"]
    return {
        "target": f"peak RSS flat {what}",
        "measured": f"{lo:.0f} MB -> {hi:.0f} MB",
        "ok": hi - lo <= max(FLAT_TOLERANCE_MB, FLAT_TOLERANCE_SHARE * lo),
    }


def judge_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, judged on the fast page server's rows."""
    fast = [r for r in rows if r["server"].startswith("pages:") and "pipeline" in r["measured"]]
    audit = sorted(
        (r for r in fast if r["dataset"] == "audit"), key=lambda r: r["measured"]["pipeline"]["records"]
    )
    checks: list[dict[str, Any]] = []
    if audit:
        big = audit[-1]["measured"]["pipeline"]
        checks.append(
            {
                "target": f">= {AUDIT_EVENTS_PER_S_TARGET:,} audit events/s end to end (2 cores)",
                "measured": f"{big['records_per_s']:,.0f}/s over {big['records']:,} events",
                "ok": big["records_per_s"] >= AUDIT_EVENTS_PER_S_TARGET,
            }
        )
    for row in fast:
        if row["ratio_fetch"] is not None:
            checks.append(
                {
                    "target": f">= {FETCH_RATIO_TARGET}x fetch bound ({row['label']}, {row['span']})",
                    "measured": f"{row['ratio_fetch']:.2f}x",
                    "ok": row["ratio_fetch"] >= FETCH_RATIO_TARGET,
                }
            )
        if row["ratio_dlt"] is not None:
            checks.append(
                {
                    "target": f">= {DLT_RATIO_TARGET:.0f}x dlt ({row['label']}, {row['span']})",
                    "measured": f"{row['ratio_dlt']:.1f}x",
                    "ok": row["ratio_dlt"] >= DLT_RATIO_TARGET,
                }
            )
    if fast:
        worst = max(fast, key=lambda r: r["measured"]["pipeline"]["peak_rss_mb"])
        peak = worst["measured"]["pipeline"]["peak_rss_mb"]
        checks.append(
            {
                "target": f"peak RSS <= {PEAK_RSS_MB_TARGET:.0f} MB",
                "measured": f"{peak:.0f} MB at most ({worst['label']}, {worst['span']})",
                "ok": peak <= PEAK_RSS_MB_TARGET,
            }
        )
    dense = [r for r in audit if r["label"] == audit[-1]["label"]] if audit else []
    sparse = [r for r in audit if dense and r["label"] != dense[0]["label"]]
    if len(dense) >= 2:
        lo, hi = (r["measured"]["pipeline"]["records"] for r in (dense[0], dense[-1]))
        what = f"from {lo:,} to {hi:,} events"
        checks.append(_flat(dense[0], dense[-1], what))
    if sparse and dense:
        checks.append(_flat(sparse[0], dense[0], f"from {sparse[0]['label']} to {dense[0]['label']}"))
    return checks


def _print_profile(result: dict[str, Any]) -> None:
    print(f"\n== profile: pipeline, {result['records']:,} audit events in {result['seconds']:.1f} s "
          "(under cProfile, every thread) ==")  # fmt: skip
    for label, seconds in (result.get("profile_buckets") or {}).items():
        share = seconds / result["seconds"] if result["seconds"] else 0.0
        print(f"  {label:<44} {seconds:>7.2f} s ({share:.0%} of the run's wall time)")
    print(result.get("profile_top", ""))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small windows, for a smoke run")
    parser.add_argument("--no-simulator", action="store_true", help="only the fast page server")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled pipeline run")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    RESULTS.mkdir(exist_ok=True)
    began = time.perf_counter()
    rows: list[dict[str, Any]] = []
    profile: dict[str, Any] | None = None
    load_before = os.getloadavg()
    cases = _plan(args)
    for server in dict.fromkeys(c.server for c in cases):
        mine = [c for c in cases if c.server == server]
        if server == "simulator":
            with Simulator("large", args.seed) as sim:
                rows += [_measure_case(c, sim.served, sim.api_key) for c in mine]
            continue
        per_day = int(server.split(":")[1])
        with page_server(per_day, args.seed) as served:
            print(f"page server: {per_day:,} audit events per day", flush=True)
            rows += [_measure_case(c, served, "bench-key") for c in mine]
            if not args.no_profile and profile is None and any(c.dataset == "audit" for c in mine):
                first = next(c for c in mine if c.dataset == "audit")
                start, end = days_before_world_end(first.days)
                print(f"{first.label:<18} {first.span:>5} pipeline under cProfile ...", flush=True)
                prof = str(RESULTS / "profile-audit.prof")
                job = Job("pipeline", "audit", start, end, served.base_url, "bench-key", prof)
                profile = in_fresh_process(job)
    _print_table(rows)
    checks = judge_targets(rows)
    print("\nTargets (issue):")
    for check in checks:
        print(f"  {'PASS' if check['ok'] else 'MISS'}  {check['target']}: {check['measured']}")
    print_cpu_budget(rows)
    if profile is not None:
        _print_profile(profile)
    report = {
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "rows": rows,
        "targets": checks,
        "profile": {k: v for k, v in (profile or {}).items() if k != "profile_top"},
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    out = RESULTS / "bench.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nload average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"wrote {out} (total {report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
