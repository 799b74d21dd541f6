"""The billing write-back reads a report: a rule over `reporting.untagged_spend` (built by the real models
on the shared reports load) tags exactly the projects with untagged spend that still have no tag, each with
its organization's default tag. A plan only: nothing is written to the shared simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")

CONFIG = """\
version: 1
billing_tags:
  ensure: [UNTAGGED-FINANCE, UNTAGGED-OTHER]
projects:
  organization_default_tags: {finance: UNTAGGED-FINANCE, risk: UNTAGGED-OTHER, marketing: UNTAGGED-OTHER}
  rules:
    - name: untagged-spend
      match: {in_table: reporting.untagged_spend}
      organization_default: true
"""


def test_a_rule_over_untagged_spend_tags_its_projects_with_their_organization_default(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_API_HOST", reports.simulator.base_url)
    monkeypatch.setenv("DOMINO_USER_API_KEY", reports.simulator.admin_key)
    monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(reports.duckdb_path))
    monkeypatch.setenv("DOMINO_PLANS_DIR", str(tmp_path / "plans"))
    config = tmp_path / "billing.yaml"
    config.write_text(CONFIG)
    events = reports.world.truth()["audit_events"]
    result = CliRunner().invoke(app, ["billing", "plan", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    wanted = dict(
        reports.sql(
            "SELECT DISTINCT project_id, organization_name FROM reporting.untagged_spend "
            "WHERE current_billing_tag IS NULL AND organization_name IS NOT NULL"
        )
    )
    defaults = {"finance": "UNTAGGED-FINANCE", "risk": "UNTAGGED-OTHER", "marketing": "UNTAGGED-OTHER"}
    assert wanted, "the world has projects with untagged spend"
    assert {c["key"]: c["after"] for c in plan["changes"] if c["kind"] == "project_tag"} == {
        project: defaults[org] for project, org in wanted.items()
    }
    assert reports.world.truth()["audit_events"] == events  # planning wrote nothing
