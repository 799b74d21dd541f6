"""How a commit replaces a table's rows: each mode is a small value naming its deletes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ReplaceWindow:
    """Delete rows with `column` in [start, end) and rows whose key is staged (moved records), then insert."""

    column: str
    start: datetime | date
    end: datetime | date
    moved_keys: bool = True
    """Also delete staged keys outside the window (a record whose time changed). Off for tables whose key
    contains the window (cost rows, audit events): it saves a join over the whole table per commit."""
    name = "replace_window"


@dataclass(frozen=True)
class ReplaceAll:
    """Replace the whole table and keep the result as that day's snapshot in `raw.<name>_history`."""

    snapshot_date: date | None = None
    """Defaults to today (UTC)."""
    name = "replace_all"


@dataclass(frozen=True)
class Upsert:
    """Delete rows whose key is staged, then insert the staged rows."""

    name = "upsert"


@dataclass(frozen=True)
class ReplaceByParentKeys:
    """Child tables: delete the children of every staged parent, then insert the staged children.

    `parent` names a table staged in the same commit whose `parent_column` values are the
    parents loaded (so a parent that lost all its children is cleared too); without it the
    parent keys are taken from the staged children themselves.
    """

    column: str
    parent: str | None = None
    parent_column: str | None = None
    name = "replace_by_parent_keys"


LoadMode = ReplaceWindow | ReplaceAll | Upsert | ReplaceByParentKeys
