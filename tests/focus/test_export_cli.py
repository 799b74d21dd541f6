"""`domino-etl export focus`: bad input gets a clear error and writes nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app


def _export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["export", "focus", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-13-01", "--end", "2026-09-01"], "--start must be YYYY-MM-DD"),
        (["--start", "2026-08-01", "--end", "tomorrow"], "--end must be YYYY-MM-DD"),
        (["--start", "2026-09-01", "--end", "2026-09-01"], "--end must be after --start"),
        (["--start", "2026-08-01", "--end", "2026-09-01", "--format", "xlsx"], "--format must be one of csv"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "focus.csv"
    code, output = _export(*args, "--out", str(out))
    assert code == 2
    assert message in " ".join(output.split()).replace("│", "").replace("  ", " ")
    assert not out.exists()


def test_a_missing_warehouse_or_table_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "focus.csv"
    monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(tmp_path / "absent.duckdb"))
    code, output = _export("--start", "2026-08-01", "--end", "2026-09-01", "--out", str(out))
    assert code == 1 and "No DuckDB file" in output
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(empty))
    code, output = _export("--start", "2026-08-01", "--end", "2026-09-01", "--out", str(out))
    assert code == 1 and "focus.cost_and_usage does not exist" in output
    assert not out.exists()
