"""`admin.writeback_log`: one row per write request apply sends, inserted as `sent` just before the
request leaves and completed with Domino's answer and the re-read outcome.

A failure halfway therefore leaves an exact record, even a process killed while waiting for an answer
(its row stays `sent`); the verify pass then marks each applied row verified or not. Writes go through
`Warehouse.writing()` (the inter-process write lock) like every other load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from pipeline.warehouse import Warehouse

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("plan_hash", "VARCHAR NOT NULL", "SHA-256 of the saved plan the change belongs to"),
    ("apply_id", "VARCHAR NOT NULL", "one run of `billing apply` (several per plan when resumed)"),
    ("change_id", "VARCHAR NOT NULL", "<object kind>:<key>, unique within a plan"),
    ("attempt", "INTEGER NOT NULL", "1 for the first request of this change in this apply run"),
    ("attempted_at", "TIMESTAMPTZ NOT NULL", "when the request was sent (UTC)"),
    ("identity_id", "VARCHAR", "Domino user id of the write credential (from /api/users/v1/self)"),
    ("identity_name", "VARCHAR", "Domino user name of the write credential; the key is never stored"),
    ("object_kind", "VARCHAR", "billing_tag, settings, project_tag, budget_default, budget_override, alerts"),
    ("object_key", "VARCHAR", "tag name, project id, budget label or labelId"),
    ("object_name", "VARCHAR", "readable name of the object (owner/project, tag, budget)"),
    ("action", "VARCHAR", "create, reactivate, retire, tag, retag, untag, set, update, delete"),
    ("before", "JSON", "the object's value when the plan was made"),
    ("after", "JSON", "the value the plan sets"),
    ("http_method", "VARCHAR", "the write request's method"),
    ("http_path", "VARCHAR", "the write request's path"),
    ("http_status", "INTEGER", "Domino's answer; NULL when no answer arrived"),
    ("request_id", "VARCHAR", "Domino's requestId when it sent one"),
    (
        "outcome",
        "VARCHAR",
        "applied (re-read shows `after`), not_applied (re-read shows `before`), failed, or sent (no answer "
        "recorded: the process stopped while waiting)",
    ),
    ("error", "VARCHAR", "Domino's error message (secret-free), if any"),
    ("verified", "BOOLEAN", "after the apply: the re-read object equals `after` (NULL until verified)"),
)
TABLE = "admin.writeback_log"


@dataclass(frozen=True)
class LogRow:
    plan_hash: str
    apply_id: str
    change_id: str
    attempt: int
    identity_id: str
    identity_name: str
    object_kind: str
    object_key: str
    object_name: str
    action: str
    before: Any
    after: Any
    http_method: str
    http_path: str


@dataclass(frozen=True)
class Answer:
    """What came back for one logged request, and what the re-read made of it."""

    http_status: int | None
    request_id: str | None
    outcome: str
    error: str | None


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class WritebackLog:
    """Append-only log of attempted writes in the project's DuckDB file."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def ensure(self) -> None:
        columns = ", ".join(f'"{name}" {kind}' for name, kind, _ in COLUMNS)
        with self.warehouse.writing() as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS admin")
            con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns})")
            con.execute(
                f"COMMENT ON TABLE {TABLE} IS 'Every write request billing apply sent to Domino: one row "
                "per attempt, recorded when answered, verified after the apply'"
            )
            for name, _, comment in COLUMNS:
                text = comment.replace("'", "''")
                con.execute(f"COMMENT ON COLUMN {TABLE}.\"{name}\" IS '{text}'")

    def sent(self, row: LogRow) -> None:
        """Inserts the row of a request about to be sent (outcome `sent`)."""
        values = [
            row.plan_hash,
            row.apply_id,
            row.change_id,
            row.attempt,
            datetime.now(UTC),
            row.identity_id,
            row.identity_name,
            row.object_kind,
            row.object_key,
            row.object_name,
            row.action,
            _json(row.before),
            _json(row.after),
            row.http_method,
            row.http_path,
            None,
            None,
            "sent",
            None,
            None,
        ]
        marks = ", ".join("?" for _ in COLUMNS)
        with self.warehouse.writing() as con:
            con.execute(f"INSERT INTO {TABLE} VALUES ({marks})", values)

    def answered(self, row: LogRow, answer: Answer) -> None:
        """Completes the row of `row`'s request with Domino's answer and the re-read outcome."""
        with self.warehouse.writing() as con:
            con.execute(
                f"UPDATE {TABLE} SET http_status = ?, request_id = ?, outcome = ?, error = ? "
                "WHERE apply_id = ? AND change_id = ? AND attempt = ?",
                [
                    answer.http_status,
                    answer.request_id,
                    answer.outcome,
                    answer.error,
                    row.apply_id,
                    row.change_id,
                    row.attempt,
                ],
            )

    def mark_verified(self, apply_id: str, results: dict[str, bool]) -> None:
        """Sets `verified` on this apply run's applied rows, per change id."""
        if not results:
            return
        with self.warehouse.writing() as con:
            con.executemany(
                f"UPDATE {TABLE} SET verified = ? "
                "WHERE apply_id = ? AND change_id = ? AND outcome = 'applied'",
                [(ok, apply_id, change_id) for change_id, ok in results.items()],
            )

    def applied(self, plan_hash: str) -> set[str]:
        """Change ids of the plan that some earlier apply run wrote and saw applied."""
        if not self.warehouse.path.exists():
            return set()
        exists = self.warehouse.query(
            "SELECT count(*) AS n FROM information_schema.tables "
            "WHERE table_schema = 'admin' AND table_name = 'writeback_log'"
        )["n"][0]
        if not exists:
            return set()
        frame = self.warehouse.query(
            f"SELECT DISTINCT change_id FROM {TABLE} WHERE plan_hash = ? AND outcome = 'applied'", [plan_hash]
        )
        return set(frame["change_id"].to_list())
