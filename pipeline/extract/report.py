"""What one extraction did, in numbers: the source of every Dagster metadata entry and CLI summary line."""

from __future__ import annotations

from dataclasses import dataclass, field


class TooManyRejects(RuntimeError):
    """Raised after a load whose share of rejected records passed the configured threshold.

    The good rows and the rejects are committed first, so nothing is lost; the run still fails loudly.
    """


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
        for table, rows in self.child_rows.items():
            data[f"rows_{table}"] = rows
        return data
