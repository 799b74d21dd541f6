"""SQL models from `sql/`: parse their headers and inputs, build them in DuckDB, check them.

Pure Python over duckdb and sqlglot; never imports dagster (`pipeline/defs/reporting.py` wires it)."""

from pipeline.reporting.build import ALL_TIME, BuildResult, Window, build_model, build_models, rebuild_window
from pipeline.reporting.checks import Check, CheckOutcome, evaluate, load_checks
from pipeline.reporting.models import SQL_ROOT, Model, ModelError, load_models, parse_model, read_tables

__all__ = [
    "ALL_TIME",
    "SQL_ROOT",
    "BuildResult",
    "Check",
    "CheckOutcome",
    "Model",
    "ModelError",
    "Window",
    "build_model",
    "build_models",
    "evaluate",
    "load_checks",
    "load_models",
    "parse_model",
    "read_tables",
    "rebuild_window",
]
