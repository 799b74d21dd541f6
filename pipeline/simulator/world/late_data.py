"""What happens to a Domino after its history was generated: retention drops the oldest days, cost keeps
settling (late `*CostAdjustment` values), unfinished jobs finish, and jobs vanish.

The world applies this state to every read, so a reload sees what a real Domino would show days later.
Tests and the `/__sim/*` control routes drive it; nothing here runs on its own clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime


def _day_of(stamp: str) -> str:
    return stamp[:10]


@dataclass
class LateData:
    """Retention cutoff, late cost adjustments per day, finished and deleted jobs."""

    retention_start: datetime | None = None
    """Cost rows and audit events before this instant are gone (Domino keeps cost data about a year)."""
    adjustment_factors: dict[str, float] = field(default_factory=dict)
    """UTC day → share of each row's `cpuCost` added as `cpuCostAdjustment` (may be negative)."""
    adjustment_totals: dict[str, float] = field(default_factory=dict)
    """UTC day → the adjustments added that day, summed over the rows (ground truth)."""
    finished_jobs: dict[str, str] = field(default_factory=dict)
    """Job id → the `completedTime` it finished at after the history was generated."""
    deleted_jobs: dict[str, str] = field(default_factory=dict)
    """Job id → its project id, for jobs Domino no longer returns."""

    # ---- retention ----------------------------------------------------------------------------------
    def keep_from(self, day: date) -> None:
        self.retention_start = datetime(day.year, day.month, day.day, tzinfo=UTC)

    @property
    def retention_ms(self) -> int | None:
        return None if self.retention_start is None else int(self.retention_start.timestamp() * 1000)

    def retained(self, rows: list[dict]) -> list[dict]:
        """Cost rows whose window starts at or after the retention cutoff."""
        if self.retention_start is None:
            return rows
        cutoff = self.retention_start.strftime("%Y-%m-%dT%H:%M:%SZ")
        return [r for r in rows if (r.get("window") or {}).get("start", "") >= cutoff]

    # ---- late cost adjustments ----------------------------------------------------------------------
    def adjust(self, rows: list[dict]) -> list[dict]:
        """Add the late adjustment of each row's day to `cpuCostAdjustment` (when the row has the field)
        and to `totalCost`; one-day rows only, the idle row untouched."""
        if not self.adjustment_factors:
            return rows
        for row in rows:
            window = row.get("window") or {}
            start, end = window.get("start", ""), window.get("end", "")
            factor = self.adjustment_factors.get(_day_of(start))
            if factor is None or row.get("name") == "__idle__" or not _one_day(start, end):
                continue
            amount = adjustment(row.get("cpuCost") or 0.0, factor)
            if "cpuCostAdjustment" in row:
                row["cpuCostAdjustment"] = amount
            row["totalCost"] = round(float(row.get("totalCost") or 0.0) + amount, 5)
        return rows


def adjustment(cpu_cost: float, factor: float) -> float:
    return round(float(cpu_cost) * factor, 5)


def _one_day(start: str, end: str) -> bool:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    finish = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return (finish - begin).total_seconds() == 86_400
