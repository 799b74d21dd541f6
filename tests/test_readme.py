"""The README stays true: its two set-up commands exist, CI runs the test one, every variable it documents
is read by the code, and every `DOMINO_*` variable the code reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def test_the_two_setup_commands_are_make_targets_and_ci_runs_the_test_one() -> None:
    setup = README.split("## Set up", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", setup, flags=re.MULTILINE)
    assert commands == ["demo", "test"]
    makefile = (ROOT / "Makefile").read_text()
    for target in commands:
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_documented_variables_and_variables_read_by_the_code_match() -> None:
    documented = set(
        re.findall(r"`(DOMINO_[A-Z_]+)`", README.split("## Configuration", 1)[1].split("## ", 1)[0])
    )
    code = "\n".join(p.read_text() for p in (ROOT / "pipeline").rglob("*.py") if "simulator" not in p.parts)
    read = set(re.findall(r"[\"'](DOMINO_[A-Z_]+)[\"']", code)) - {"DOMINO_API_PROXY"}
    assert documented - read == set(), "documented but never read"
    assert read - documented == set(), "read but not documented in the README"
