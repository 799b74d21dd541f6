"""Run the FinOps Foundation's own FOCUS validator (`focus-validator`) on an export and read its verdict.

It needs Python >= 3.12 and pins duckdb/polars 1.x, so it lives in its own virtualenv (`.venv-focus`,
created by `make test` from `requirements-focus.lock`) and runs as a subprocess. It never downloads:
`--block-download` keeps it on the FOCUS 1.2 rules it ships. It reads its currency list relative to the
working directory, so it runs from its package folder, and it exits 0 even when rules fail, so the
verdict is parsed from its `Total | Pass | Fail | Skipped` line and its failure list.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipeline.focus.spec import APPLICABILITY_CRITERIA

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VALIDATOR_VENV = PROJECT_ROOT / ".venv-focus"
RULES_VERSION = "1.2.0.1"
"""The FOCUS 1.2 requirements model that focus-validator 2.2.1 ships offline."""

KNOWN_VALIDATOR_DEFECTS: dict[str, str] = {
    "InvoiceId-C-005-C": (
        "model 1.2.0.1 encodes both InvoiceId nullability rules without their condition: C-004-C "
        "('MUST be null when the charge is not associated with an invoice') and C-005-C ('MUST NOT be null "
        "when it is') each apply to every row, so any InvoiceId column fails one of them. Domino's "
        "allocation is not invoiced, so InvoiceId is null and C-004-C (the rule that applies) passes."
    ),
}
"""Rules that no dataset can pass with this validator version; a test proves each is still broken."""

SUMMARY = re.compile(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+) \| Skipped: (\d+)")
FAILED_RULE = re.compile(r"^- (\S+): violations=", re.MULTILINE)


class ValidatorError(RuntimeError):
    """The validator could not be run or printed no verdict."""


@dataclass(frozen=True)
class ValidationReport:
    total: int
    passed: int
    failed: int
    skipped: int
    failed_rules: tuple[str, ...]
    output: str

    @property
    def unexpected_failures(self) -> tuple[str, ...]:
        """Failed rules other than the validator's own known defects."""
        return tuple(rule for rule in self.failed_rules if rule not in KNOWN_VALIDATOR_DEFECTS)


def site_packages(venv: Path = VALIDATOR_VENV) -> Path:
    """The validator's package folder: its working directory (it opens `focus_validator/rules/...`)."""
    found = sorted(venv.glob("lib/python3.*/site-packages/focus_validator"))
    if not found:
        raise ValidatorError(
            f"focus-validator is not installed in {venv}: run `make test` (or `make focus-venv`)"
        )
    return found[-1].parent


def parse_report(output: str) -> ValidationReport:
    summary = SUMMARY.search(output)
    if not summary:
        raise ValidatorError(f"focus-validator printed no summary line:\n{output[-3000:]}")
    total, passed, failed, skipped = (int(n) for n in summary.groups())
    failures = output[summary.end() :].split("--- Failures ---", 1)
    failed_rules = tuple(FAILED_RULE.findall(failures[1])) if len(failures) == 2 else ()
    if len(failed_rules) != failed:
        raise ValidatorError(f"focus-validator reported {failed} failures but listed {len(failed_rules)}")
    return ValidationReport(total, passed, failed, skipped, failed_rules, output)


def validate(
    data_file: Path,
    venv: Path = VALIDATOR_VENV,
    criteria: tuple[str, ...] = APPLICABILITY_CRITERIA,
    timeout_s: float = 300,
) -> ValidationReport:
    """Validate a CSV or Parquet FOCUS file against the FOCUS 1.2 rules, offline."""
    command = [
        str(venv / "bin" / "focus-validator"),
        "--data-file",
        str(Path(data_file).resolve()),
        "--validate-version",
        RULES_VERSION,
        "--block-download",
        "--applicability-criteria",
        ",".join(criteria),
    ]
    try:
        done = subprocess.run(
            command, cwd=site_packages(venv), capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ValidatorError(f"focus-validator did not run: {error}") from error
    if done.returncode != 0:
        raise ValidatorError(
            f"focus-validator exited {done.returncode}:\n{(done.stdout + done.stderr)[-3000:]}"
        )
    return parse_report(done.stdout)
