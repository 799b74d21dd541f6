"""The FOCUS export passes the FinOps Foundation's own validator (focus-validator 2.2.1, FOCUS 1.2 rules)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipeline.focus.export import export_focus
from pipeline.focus.validator import KNOWN_VALIDATOR_DEFECTS, parse_report, site_packages, validate
from tests.focus.conftest import LoadedFocus

pytestmark = pytest.mark.xdist_group("focus")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_passes_the_official_validator(loaded_focus: LoadedFocus, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"focus.{fmt}"
    result = export_focus(loaded_focus.warehouse, loaded_focus.start, loaded_focus.end, fmt, out)  # type: ignore[arg-type]
    assert result.rows > 1000
    report = validate(out)
    assert report.unexpected_failures == (), report.output[-4000:]
    # The only failure is the validator's own contradiction (no dataset can pass both InvoiceId rules).
    assert report.failed_rules == tuple(KNOWN_VALIDATOR_DEFECTS)
    assert report.passed >= 160, report.output[-4000:]


def test_a_broken_export_fails_the_validator(loaded_focus: LoadedFocus, tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    export_focus(loaded_focus.warehouse, loaded_focus.start, loaded_focus.end, "parquet", good)
    broken = tmp_path / "broken.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN x_IsIdle THEN NULL ELSE BilledCost END AS BilledCost, "
            f"'Consumption' AS ChargeCategory) FROM read_parquet('{good}')) TO '{broken}'"
        )
    report = validate(broken)
    assert report.failed > len(KNOWN_VALIDATOR_DEFECTS)
    assert {"BilledCost-C-003-M", "ChargeCategory-C-003-M"} <= set(report.unexpected_failures)


def test_the_known_validator_defect_is_real() -> None:
    """Each allowed failure must still be a contradiction in the shipped rules; a fixed rule fails this test."""
    model = json.loads((site_packages() / "focus_validator" / "rules" / "model-1.2.0.1.json").read_text())
    rules = model["ModelRules"]
    must_be_null, must_not_be_null = rules["InvoiceId-C-004-C"], rules["InvoiceId-C-005-C"]
    assert set(KNOWN_VALIDATOR_DEFECTS) == {"InvoiceId-C-005-C"}
    for rule in (must_be_null, must_not_be_null):
        assert rule["ValidationCriteria"]["Condition"] == {}, "the rule has its condition now: drop the allowance"
    assert must_be_null["ValidationCriteria"]["Requirement"] == {
        "CheckFunction": "CheckValue",
        "ColumnName": "InvoiceId",
        "Value": None,
    }
    assert must_not_be_null["ValidationCriteria"]["Requirement"]["CheckFunction"] == "CheckNotValue"


def test_report_parsing_reads_counts_and_failed_rules() -> None:
    output = (
        "\n=== Validation Results ===\nTotal: 5 | Pass: 2 | Fail: 2 | Skipped: 1\n✅ A: PASS\n"
        "\n--- Failures ---\n- BilledCost-C-003-M: violations=3; BilledCost MUST NOT be NULL.\n"
        "  MustSatisfy: BilledCost MUST NOT be null.\n- InvoiceId-C-005-C: violations=9; x\n  MustSatisfy: y\n"
    )
    report = parse_report(output)
    assert (report.total, report.passed, report.failed, report.skipped) == (5, 2, 2, 1)
    assert report.failed_rules == ("BilledCost-C-003-M", "InvoiceId-C-005-C")
    assert report.unexpected_failures == ("BilledCost-C-003-M",)
