"""How plans and apply results read: a rich table on the CLI, Markdown in the Dagster UI, JSON for scripts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.writeback.apply import ApplyResult, Outcome
from pipeline.writeback.plan import Change, Plan

HEADINGS = ("#", "object", "action", "before → after", "why")


def show(value: Any) -> str:
    """A value as a reviewer reads it: `—` for nothing, compact otherwise."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        if "budgetLabel" in value and "limit" in value:
            return f"{value['limit']:g}"
        if "mode" in value:
            return f"mode={value['mode']}, notifications={value['notifications']}"
        if "alertTargets" in value:
            targets = "; ".join(
                f"{t['label']}: {', '.join(t['emails']) or '—'}" for t in value["alertTargets"]
            )
            return f"enabled={value['alertsEnabled']}, notify org owner={value['notifyOrgOwner']}, {targets}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def rows(plan: Plan) -> list[tuple[str, ...]]:
    return [
        (str(i), f"{c.kind}: {c.name}", c.action, f"{show(c.before)} → {show(c.after)}", _why(c))
        for i, c in enumerate(plan.changes, 1)
    ]


def _why(change: Change) -> str:
    if change.in_use:
        return f"{change.reason}; STILL USED by {len(change.in_use)} project(s)"
    return change.reason


def plan_table(plan: Plan) -> Table:
    table = Table(title=f"plan {plan.hash} ({len(plan.changes)} changes) for {plan.host}")
    for heading in HEADINGS:
        table.add_column(heading, overflow="fold")
    for row in rows(plan):
        table.add_row(*row)
    return table


def print_plan(plan: Plan, console: Console) -> None:
    if plan.changes:
        console.print(plan_table(plan))
    else:
        console.print(f"No changes: Domino at {plan.host} already matches {plan.config_file}.")
    for note in plan.notes:
        console.print(f"note: {note}")
    console.print(f"plan hash: {plan.hash}")


def plan_markdown(plan: Plan) -> str:
    """The plan as a Markdown table for Dagster run metadata."""
    if not plan.changes:
        return f"No changes: Domino already matches `{plan.config_file}`."
    lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(plan)]
    return "\n".join(lines)


SUMMARY = {
    Outcome.APPLIED: "applied and verified",
    Outcome.NO_CHANGES: "nothing to do: every change is already in place",
    Outcome.DRY_RUN: "dry run: nothing was written (add --yes to apply)",
    Outcome.REFUSED: "refused",
    Outcome.FAILED: "FAILED",
}


def result_lines(result: ApplyResult) -> list[str]:
    lines = [f"plan {result.plan_hash}: {SUMMARY[result.outcome]}"]
    if result.identity:
        lines.append(f"write credential: {result.identity}")
    if result.applied:
        lines.append(f"applied now: {len(result.applied)}: {', '.join(result.applied)}")
    if result.already:
        lines.append(f"already in place: {len(result.already)}")
    if result.pending:
        lines.append(f"still to do: {len(result.pending)}: {', '.join(result.pending)}")
    lines += [f"  {problem}" for problem in result.problems]
    return lines
