"""The desired-state file: the shipped example validates; every invalid file is rejected before any call,
with an error naming the file and the line at fault."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.writeback.config import DEFAULT_CONFIG, load_config
from pipeline.writeback.source import ConfigError

EXAMPLE = Path(__file__).parents[2] / DEFAULT_CONFIG

BASE = """\
version: 1
billing_tags:
  ensure: [FIN-1]
settings:
  mode: Optional
projects:
  assign:
    - project: churn-0
      tag: FIN-1
budgets:
  defaults:
    Project: 500
"""


def test_the_shipped_example_is_valid() -> None:
    config, located = load_config(EXAMPLE)
    assert config.version == 1 and located.file.endswith("config/billing.yaml")
    assert "FIN-2027" in config.billing_tags.ensure
    assert config.settings.mode == "Required"
    assert {r.name for r in config.projects.rules} == {"finance-untagged", "risk-untagged"}
    assert config.budgets.defaults.limits() == {"BillingTag": 2500, "Organization": 5000, "Project": 500}


def test_mode_casing_variants_are_one_value(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(BASE.replace("mode: Optional", "mode: oPTIONAL"))
    assert load_config(path)[0].settings.mode == "Optional"


INVALID = [
    ("unknown top-level key", ("budgets:", "budgetz:"), 10, "unknown key 'budgetz'"),
    (
        "unknown nested key",
        ("      tag: FIN-1", "      tag: FIN-1\n      colour: red"),
        10,
        "unknown key 'colour'",
    ),
    (
        "bad mode",
        ("mode: Optional", "mode: Sometimes"),
        5,
        "mode must be one of Required, Optional, Disabled",
    ),
    ("tag Domino would reject", ("ensure: [FIN-1]", "ensure: [FIN-1, 'bad tag/x']"), 3, "would be rejected"),
    ("tag too long", ("ensure: [FIN-1]", "ensure: [" + "X" * 64 + "]"), 3, "would be rejected"),
    ("negative budget", ("Project: 500", "Project: -5"), 12, "must not be negative"),
    ("string budget", ("Project: 500", "Project: '500'"), 12, "budgets.defaults.Project"),
    ("duplicate key", ("  mode: Optional", "  mode: Optional\n  mode: Required"), 6, "duplicate key 'mode'"),
    ("YAML syntax", ("    - project: churn-0", "    - project: [churn-0"), 9, "invalid YAML"),
    ("missing version", ("version: 1\n", ""), 1, "required key 'version' is missing"),
    ("future version", ("version: 1", "version: 2"), 1, "Input should be 1"),
    ("ensured and retired", ("ensure: [FIN-1]", "ensure: [FIN-1]\n  retire: [FIN-1]"), 2, "both ensured"),
    ("assigned tag retired", ("ensure: [FIN-1]", "retire: [FIN-1]"), 1, "also retired"),
    (
        "override with two subjects",
        ("    Project: 500", "    Project: 500\n  overrides:\n    - {project: a, organization: b, limit: 1}"),
        14,
        "exactly one of project, organization, billing_tag",
    ),
    (
        "rule without a tag",
        ("budgets:", "  rules:\n    - name: r\n      match: {owner: x}\nbudgets:"),
        11,
        "exactly one of `tag` or `organization_default: true`",
    ),
    (
        "rule without criteria",
        ("budgets:", "  rules:\n    - name: r\n      match: {}\n      tag: FIN-1\nbudgets:"),
        12,
        "at least one of organization",
    ),
    ("not a mapping", (BASE, "- just\n- a list\n"), 1, "must be a mapping"),
]


@pytest.mark.parametrize(("case", "edit", "line", "fragment"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_files_name_file_and_line(
    tmp_path: Path, case: str, edit: tuple[str, str], line: int, fragment: str
) -> None:
    path = tmp_path / "billing.yaml"
    text = BASE.replace(*edit)
    assert text != BASE, case
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    first = caught.value.problems[0]
    assert first.startswith(f"{path}:{line}: "), first
    assert fragment in str(caught.value), str(caught.value)


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "billing.yaml"
    path.write_text(BASE.replace("Project: 500", "Project: -1").replace("mode: Optional", "mode: x"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [p.split(": ")[0] for p in caught.value.problems] == [f"{path}:5", f"{path}:12"]


def test_an_invalid_file_is_rejected_before_any_request(tmp_path: Path, monkeypatch) -> None:
    """The plan command points at a port nobody listens on: it fails on the file, never on the network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DOMINO_API_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DOMINO_USER_API_KEY", "unused-key-1234")
    monkeypatch.setenv("DOMINO_PLANS_DIR", str(tmp_path / "plans"))
    path = tmp_path / "billing.yaml"
    path.write_text(textwrap.dedent(BASE).replace("mode: Optional", "mode: Always"))
    result = CliRunner().invoke(app, ["billing", "plan", "--config", str(path)])
    assert result.exit_code == 1
    assert f"{path}:5: settings.mode: mode must be one of" in result.output
    assert "ConnectError" not in result.output and not (tmp_path / "plans").exists()
