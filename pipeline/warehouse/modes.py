"""How a commit replaces a table's rows: each mode is a small value naming its deletes and its guards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReplaceWindow:
    """Replace the partition days [start, end) of a daily-partitioned table (by `_partition_date`).

    Guards: a day that held rows and came back empty is kept (retention, a narrower credential), unless
    `keep_held` is off (`--force-empty`). All ReplaceWindow loads of one commit (an endpoint's table and
    its child tables) share the first load's decision, so children of kept parents stay too.
    """

    start: date
    end: date
    scope_column: str | None = None
    scope_values: tuple[str, ...] | None = None
    """Only rows whose `scope_column` is one of these are replaced (jobs: the projects actually read)."""
    moved_keys: bool = False
    """Also delete staged keys held outside the window (a record that moved to another day)."""
    keep_held: bool = True
    mark_missing: bool = False
    """Rows of the window not staged again are flagged `is_gone` instead of deleted (jobs: ids are stable,
    so a job Domino stops returning was deleted there; we keep what we knew of it)."""
    name = "replace_window"


@dataclass(frozen=True)
class ReplaceAll:
    """Replace the whole table and keep the result as that day's snapshot in `raw.<name>_history`.

    Guard: an answer that is empty, or that shrinks the table by more than `max_shrink` (share of the held
    rows) and by at least `min_lost_rows`, is not applied (the held rows and history stay) unless
    `keep_held` is off.
    """

    snapshot_date: date | None = None
    """Defaults to today (UTC)."""
    keep_held: bool = True
    max_shrink: float = 0.5
    min_lost_rows: int = 5
    name = "replace_all"


@dataclass(frozen=True)
class Upsert:
    """Delete rows whose key is staged, then insert the staged rows."""

    name = "upsert"


LoadMode = ReplaceWindow | ReplaceAll | Upsert
