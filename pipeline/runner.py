"""Run the whole pipeline in-process (`domino-etl run`) and the demo (`domino-etl demo`).

Both materialize the same Dagster assets the UI and the schedules use: first the inventory, then the
daily partitions of [start, end) as one single-run backfill, then the SQL models of `sql/` for the same
days, with a progress display.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from pipeline.defs.extract import EXTRACT_ASSETS
from pipeline.defs.reporting import MODEL_ASSETS
from pipeline.defs.resources import DEFAULT_DUCKDB_PATH, DominoResource, WarehouseResource
from pipeline.extract.progress import set_listener
from pipeline.readcopy import publish_for_readers
from pipeline.reporting.headlines import headlines
from pipeline.warehouse import Warehouse

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""Dagster's per-event console log would bury the progress display; failures are summarised instead."""


@dataclass
class RunSummary:
    """What a run landed, table by table, what it kept, and every failure."""

    ok: bool
    duckdb_path: str
    seconds: float
    table_rows: dict[str, int] = field(default_factory=dict)
    model_rows: dict[str, int] = field(default_factory=dict)
    """Rows of each reporting/focus table built from `sql/`."""
    headlines: list[str] = field(default_factory=list)
    """A few figures from the reports (top spenders, untagged and idle share, forecast vs budget)."""
    rejects: int = 0
    error: str | None = None
    failures: list[str] = field(default_factory=list)
    """One line per asset that failed (or was skipped because what it needs failed); `error` joins them."""
    kept: list[str] = field(default_factory=list)
    """One line per reload guard that kept held rows Domino's answer lacked."""
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [*self.notes]
        lines += [f"KEPT {line}" for line in self.kept]
        if self.kept:
            lines.append("(held rows Domino no longer returned were kept; --force-empty replaces them)")
        if self.error:
            lines.append(f"FAILED after {self.seconds:.1f}s:")
            lines += [f"  {line}" for line in self.error.splitlines()]
        lines.append(f"Loaded {len(self.table_rows)} tables into {self.duckdb_path} in {self.seconds:.1f}s:")
        width = max((len(t) for t in self.table_rows), default=0)
        lines += [f"  raw.{table:<{width}} {rows:>10,}" for table, rows in sorted(self.table_rows.items())]
        lines.append(f"Rejected records (raw._rejects): {self.rejects}")
        if self.model_rows:
            lines.append(f"Built {len(self.model_rows)} report tables from sql/:")
            width = max(len(t) for t in self.model_rows)
            lines += [f"  {table:<{width}} {rows:>10,}" for table, rows in sorted(self.model_rows.items())]
        if self.headlines:
            lines += ["", *self.headlines]
        return "\n".join(lines)


def _selected(groups: Sequence[str] | None) -> list[dg.AssetsDefinition]:
    if not groups:
        return [*EXTRACT_ASSETS, *MODEL_ASSETS]
    chosen = [a for a in (*EXTRACT_ASSETS, *MODEL_ASSETS) if set(a.group_names_by_key.values()) & set(groups)]
    if not chosen:
        raise ValueError(f"no asset in groups {list(groups)}")
    return chosen


def _instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (runs then show in the UI), else an ephemeral one."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


@dataclass
class _Outcome:
    """What the Dagster runs of one pipeline run reported."""

    failures: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    passed: int = 0
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, result: dg.ExecuteInProcessResult) -> None:
        for event in result.all_events:
            if event.is_step_failure:
                error = event.step_failure_data.error
                self.failures.append(f"{event.step_key}: {_error_text(error)}")
            elif event.is_step_skipped:
                self.failures.append(f"{event.step_key}: skipped, an asset it needs failed")
        for materialization in result.get_asset_materialization_events():
            kept = materialization.materialization.metadata.get("kept")
            if kept is not None:
                self.kept += str(kept.value).splitlines()
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
            if evaluation.passed:
                self.passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                self.warnings.append(name)
            else:
                self.failed_checks.append(name)


def _error_text(error: object) -> str:
    """The innermost message of a step failure (a Dagster Failure's description, or the raised error)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    message = str(getattr(error, "message", error)).strip()
    return message.splitlines()[0] if message else "failed"


def run_pipeline(
    start: date,
    end: date,
    *,
    groups: Sequence[str] | None = None,
    console: Console | None = None,
    lookback_days: int = 0,
    force_empty: bool = False,
) -> RunSummary:
    """Materialize the inventory, the daily partitions [start - lookback, end), then the SQL models, in
    this process.

    Every asset that can run does run: a failed inventory table never stops cost and audit; the summary
    lists every failure and the run is not ok if any asset or blocking check failed.
    """
    console = console or Console(stderr=True)
    duckdb_path = os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH
    resources = {"domino": DominoResource(), "warehouse": WarehouseResource(path=duckdb_path)}
    assets = _selected(groups)
    first = start - timedelta(days=lookback_days)
    window = {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: (end - timedelta(days=1)).isoformat()}
    extract = [a for a in assets if a not in MODEL_ASSETS]
    steps = [
        ([a for a in extract if not a.partitions_def], {}),
        ([a for a in extract if a.partitions_def], window),
        ([a for a in assets if a in MODEL_ASSETS], window),
    ]
    began = time.perf_counter()
    error: str | None = None
    outcome = _Outcome()
    with _progress_display(console):
        try:
            instance = _instance()
            for selection, tags in steps:
                tags = tags if any(a.partitions_def for a in selection) else {}
                if selection:
                    config = {"force_empty": force_empty}
                    ops = {a.op.name: {"config": config} for a in selection if a in EXTRACT_ASSETS}
                    run_config = {**QUIET_LOGS, "ops": ops}
                    result = dg.materialize(
                        selection,
                        resources=resources,
                        instance=instance,
                        tags=tags,
                        run_config=run_config,
                        raise_on_error=False,
                    )
                    outcome.add(result)
        except Exception as exc:  # the CLI turns any other failure into a clear message and exit code 1
            error = _describe(exc)
    if outcome.failures:
        error = "\n".join([*outcome.failures, *([error] if error else [])])
    summary = _summarise(duckdb_path, time.perf_counter() - began, error)
    summary.failures, summary.kept = outcome.failures, outcome.kept
    if lookback_days:
        summary.notes.append(f"Daily partitions {first} .. {end} (exclusive): {lookback_days}-day lookback")
    if outcome.passed or outcome.failed_checks or outcome.warnings:
        failed = f": {', '.join(outcome.failed_checks)}" if outcome.failed_checks else ""
        warned = f": {', '.join(outcome.warnings)}" if outcome.warnings else ""
        summary.notes.append(
            f"Asset checks: {outcome.passed} passed, {len(outcome.failed_checks)} failed{failed}, "
            f"{len(outcome.warnings)} warnings{warned}"
        )
    summary.ok = summary.ok and not outcome.failures and not outcome.failed_checks
    if summary.ok:  # readers get a fresh snapshot only of a run that fully succeeded
        summary.notes.extend(publish_for_readers(Warehouse(duckdb_path)))
    return summary


@contextmanager
def _progress_display(console: Console) -> Iterator[None]:
    """A live line per table with the rows landed so far, fed by the extraction engine's progress hook."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_rows(table: str, rows: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(f"raw.{table}")
            progress.update(tasks[table], description=f"raw.{table}: {rows:,} rows")

        set_listener(on_rows)
        try:
            yield
        finally:
            set_listener(None)


def _describe(exc: BaseException) -> str:
    """The innermost user-facing error of a failed Dagster run (never a traceback full of frames)."""
    inner: BaseException = exc
    while getattr(inner, "user_exception", None) is not None:
        inner = inner.user_exception  # type: ignore[assignment]
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return f"{type(inner).__name__}: {inner}"


def _summarise(duckdb_path: str, seconds: float, error: str | None) -> RunSummary:
    summary = RunSummary(ok=error is None, duckdb_path=duckdb_path, seconds=seconds, error=error)
    if not Path(duckdb_path).exists():
        return summary
    warehouse = Warehouse(duckdb_path)
    tables = warehouse.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
        "AND table_name NOT LIKE '\\_%' ESCAPE '\\' AND table_name NOT LIKE '%\\_history' ESCAPE '\\' "
        "ORDER BY 1"
    )["table_name"].to_list()
    if tables:
        counts = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM raw.{t}" for t in tables)
        summary.table_rows = dict(warehouse.query(counts).iter_rows())
    models = warehouse.query(
        "SELECT schema_name || '.' || table_name AS t, estimated_size AS n FROM duckdb_tables() "
        "WHERE schema_name IN ('reporting', 'focus') ORDER BY 1"
    )
    if models.height:
        counts = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in models["t"])
        summary.model_rows = dict(warehouse.query(counts).iter_rows())
        with warehouse.connect(read_only=True) as con:
            summary.headlines = headlines(con)
    rejects = warehouse.query(
        "SELECT count(*) AS n FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = '_rejects'"
    )["n"][0]
    if rejects:
        summary.rejects = int(warehouse.query("SELECT count(*) AS n FROM raw._rejects")["n"][0])
    return summary


def run_demo(scale: str = "demo", seed: int = 42, duckdb_path: str | None = None) -> RunSummary:
    """Serve the simulator in the background and load its whole history, as a newcomer's first run."""
    from pipeline.simulator.http.config import SimulatorConfig
    from pipeline.simulator.server import run_in_background

    config = SimulatorConfig(host="127.0.0.1", port=0, seed=seed, scale=scale)
    console = Console(stderr=True)
    console.print(f"Building the simulated Domino world (scale={scale}, seed={seed})…")
    with run_in_background(config) as simulator:
        world = simulator.world
        os.environ["DOMINO_API_HOST"] = simulator.base_url
        os.environ["DOMINO_USER_API_KEY"] = simulator.admin_key
        os.environ.pop("DOMINO_API_TOKEN", None)
        os.environ.pop("DOMINO_TOKEN_FILE", None)
        os.environ["DOMINO_DUCKDB_PATH"] = duckdb_path or DEFAULT_DUCKDB_PATH
        start, end = world.start.date(), world.end.date()
        console.print(f"Simulator on {simulator.base_url}; loading {start} .. {end} (exclusive)…")
        summary = run_pipeline(start, end, console=console)
    summary.notes.append(
        f"Demo: simulated Domino (scale={scale}, seed={seed}), history {start} .. {end}, all API areas."
    )
    return summary
