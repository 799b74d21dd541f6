"""Rules and names resolved against live Domino: what only the live state can reveal is still an error
naming the file and line; a rule may read a DuckDB table."""

from __future__ import annotations

import pytest

from tests.writeback.conftest import Billing

CASES = [
    (
        "rule matching nothing",
        """\
        version: 1
        projects:
          rules:
            - name: nobody
              match: {name_pattern: "no-such-*"}
              tag: CC-1001
        """,
        4,
        "rule 'nobody' matches no project",
    ),
    (
        "project matched by two rules",
        """\
        version: 1
        projects:
          rules:
            - name: churn-by-name
              match: {name_pattern: "churn-*"}
              tag: CC-1001
              overwrite: true
            - name: finance
              match: {organization: finance}
              tag: CC-1002
        """,
        8,
        "is matched by two rules: 'churn-by-name' (line 4), 'finance' (line 8)",
    ),
    (
        "unknown project",
        """\
        version: 1
        projects:
          assign:
            - project: no-such-project
              tag: CC-1001
        """,
        4,
        "no project 'no-such-project' in Domino",
    ),
    (
        "inactive tag assigned",
        """\
        version: 1
        projects:
          assign:
            - project: churn-0
              tag: CC-1005
        """,
        5,
        "billing tag 'CC-1005' is not active",
    ),
    (
        "unknown organization",
        """\
        version: 1
        budgets:
          overrides:
            - organization: nowhere
              limit: 10
        """,
        4,
        "no organization 'nowhere'",
    ),
    (
        "override for a tag not created yet",
        """\
        version: 1
        billing_tags: {ensure: [BRAND-NEW]}
        budgets:
          overrides:
            - billing_tag: BRAND-NEW
              limit: 10
        """,
        5,
        "does not exist in Domino yet",
    ),
    (
        "missing table",
        """\
        version: 1
        projects:
          rules:
            - name: from-table
              match: {in_table: reporting.no_such_table}
              tag: CC-1001
        """,
        5,
        "cannot read reporting.no_such_table",
    ),
]


@pytest.mark.parametrize(("case", "text", "line", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_live_resolution_errors_name_the_line(
    billing: Billing, case: str, text: str, line: int, fragment: str
):
    path = billing.config(text)
    result = billing.cli("plan", "--config", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:{line}: " in result.output, result.output
    assert fragment in result.output, result.output
    assert not billing.plans.exists()


def test_explicit_assignment_wins_over_rules_and_rules_fill_gaps(billing: Billing) -> None:
    projects = billing.world.collections["projects"]
    code, plan = billing.plan(
        billing.config(
            """\
            version: 1
            projects:
              assign:
                - {project: churn-0, tag: null}
              rules:
                - name: everyone
                  match: {name_pattern: "*"}
                  tag: CC-1002
            """
        )
    )
    assert code == 0
    changes = {c["key"]: (c["action"], c["after"]) for c in plan["changes"]}
    churn = next(p for p in projects.values() if p["name"] == "churn-0")
    assert changes.pop(churn["id"]) == ("untag", None)
    untagged = {p["id"] for p in projects.values() if not p.get("billingTag")}
    assert changes == {pid: ("tag", "CC-1002") for pid in untagged}
