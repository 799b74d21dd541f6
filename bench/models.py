"""`python -m bench.models`: how long the SQL models take to build after a load, in full and for one day.

Works on a copy of a loaded warehouse (default `data/domino.duckdb`, what `make demo` writes), so the
original is untouched. Measures, each on a fresh copy:

- the framework alone (`build_models`): every model in full, then every model for the last day only;
- through Dagster in-process (what `domino-etl run` does): every model asset for the whole history, then
  for the last daily partition.

Run: `python -m bench.models [--db data/domino.duckdb] [--day YYYY-MM-DD]`.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from pipeline.defs.reporting import MODEL_ASSETS, MODELS
from pipeline.defs.resources import WarehouseResource
from pipeline.reporting import Window, build_models
from pipeline.reporting.describe import ensure_raw_tables
from pipeline.reporting.settings import memory_limit
from pipeline.runner import QUIET_LOGS, RANGE_END_TAG, RANGE_START_TAG


def _copy(db: Path, folder: Path, name: str) -> Path:
    """A copy of the warehouse with every catalogue table present (areas never loaded read as empty)."""
    target = folder / name
    shutil.copy(db, target)
    with duckdb.connect(str(target)) as con:
        ensure_raw_tables(con)
    return target


def _framework(path: Path, window: Window | None) -> tuple[float, int]:
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET memory_limit = '{memory_limit()}'")
        began = time.perf_counter()
        results = build_models(con, MODELS, window)
        return time.perf_counter() - began, sum(r.rows_written for r in results)


def _dagster(path: Path, start: date, end: date) -> float:
    tags = {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: (end - timedelta(days=1)).isoformat()}
    began = time.perf_counter()
    result = dg.materialize(
        MODEL_ASSETS,
        resources={"warehouse": WarehouseResource(path=str(path))},
        instance=dg.DagsterInstance.ephemeral(),
        tags=tags,
        run_config=QUIET_LOGS,
    )
    assert result.success
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=Path("data/domino.duckdb"))
    parser.add_argument("--day", type=date.fromisoformat, help="day to rebuild (default: the last loaded)")
    args = parser.parse_args()
    if not args.db.exists():
        parser.error(f"{args.db} does not exist: run `make demo` first (or pass --db)")
    with duckdb.connect(str(args.db), read_only=True) as con:
        first, last = con.execute(
            "SELECT min(window_start)::DATE, max(window_start)::DATE FROM raw.cost_allocation"
        ).fetchone()  # type: ignore[misc]
        rows = con.execute("SELECT count(*) FROM raw.cost_allocation").fetchone()[0]  # type: ignore[index]
    day = args.day or last
    one_day = Window(day, day + timedelta(days=1))
    print(f"{args.db}: {rows:,} allocation rows, {first} .. {last}; {len(MODELS)} models")
    with tempfile.TemporaryDirectory() as folder:
        work = _copy(args.db, Path(folder), "framework.duckdb")
        full_s, full_rows = _framework(work, None)
        day_s, day_rows = _framework(work, one_day)
        print(f"framework: full build {full_s:6.2f} s ({full_rows:,} rows)")
        print(f"framework: one day    {day_s:6.2f} s ({day_rows:,} rows written, {day})")
        work = _copy(args.db, Path(folder), "dagster.duckdb")
        dagster_full = _dagster(work, first, last + timedelta(days=1))
        dagster_day = _dagster(work, day, day + timedelta(days=1))
        print(f"dagster:   full build {dagster_full:6.2f} s (every model asset, {first} .. {last})")
        print(f"dagster:   one day    {dagster_day:6.2f} s (every model asset, partition {day})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
