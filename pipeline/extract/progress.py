"""A process-wide hook the CLI sets to draw progress while Dagster runs the assets in-process."""

from __future__ import annotations

from pipeline.extract.engine import Progress

_listener: Progress | None = None


def set_listener(listener: Progress | None) -> None:
    global _listener
    _listener = listener


def notify(table: str, rows: int) -> None:
    if _listener is not None:
        _listener(table, rows)
