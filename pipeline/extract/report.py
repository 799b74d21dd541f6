"""What one extraction did, in numbers: the source of every Dagster metadata entry and CLI summary line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class LoadReport:
    """Counters of one endpoint's extraction into its table(s)."""

    table: str
    rows: int = 0
    rejects: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    bytes: int = 0
    seconds: float = 0.0
    partitions: list[str] = field(default_factory=list)
    child_rows: dict[str, int] = field(default_factory=dict)
    window: tuple[date, date] | None = None
    """The partition days [start, end) this load replaced (daily-partitioned endpoints)."""
    kept_rows: int = 0
    """Held rows the reload guards kept although Domino's answer lacked them."""
    kept: list[str] = field(default_factory=list)
    """One line per guard that kept rows: which table, how many, why."""
    server_totals: dict[str, int] = field(default_factory=dict)
    """Day → the server's own count of records for that day's request (`total`/`estimatedMatches`)."""
    received_by_day: dict[str, int] = field(default_factory=dict)
    """Day → records received for it after clipping (accepted plus rejected)."""
    rejected_by_day: dict[str, int] = field(default_factory=dict)
    reject_failure: str | None = None
    """Why the rejects exceed the threshold (share and count), or None: fails the reject_share check."""

    @property
    def reject_share(self) -> float:
        seen = self.rows + self.rejects
        return self.rejects / seen if seen else 0.0

    def metadata(self) -> dict[str, float | int | str]:
        """Plain values for Dagster materialization metadata (never a record, never a credential)."""
        data: dict[str, float | int | str] = {
            "rows": self.rows,
            "dagster/row_count": self.rows,
            "rejects": self.rejects,
            "pages": self.pages,
            "requests": self.requests,
            "retries": self.retries,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }
        if self.partitions:
            data["partition_range"] = f"{self.partitions[0]}..{self.partitions[-1]}"
        if self.kept:
            data["kept_rows"] = self.kept_rows
            data["kept"] = "\n".join(self.kept)
        for table, rows in self.child_rows.items():
            data[f"rows_{table}"] = rows
        return data
