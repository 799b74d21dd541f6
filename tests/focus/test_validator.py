"""The FinOps Foundation's own validator (focus-validator 2.2.1, FOCUS 1.2 rules) and how we read it."""

from __future__ import annotations

import json

import pytest

from pipeline.focus.validator import KNOWN_VALIDATOR_DEFECTS, ValidatorError, parse_report, site_packages


def test_the_known_validator_defect_is_real() -> None:
    """Each allowed failure is still a contradiction in the shipped rules; once fixed, this test fails."""
    model = json.loads((site_packages() / "focus_validator" / "rules" / "model-1.2.0.1.json").read_text())
    rules = model["ModelRules"]
    must_be_null, must_not_be_null = rules["InvoiceId-C-004-C"], rules["InvoiceId-C-005-C"]
    assert set(KNOWN_VALIDATOR_DEFECTS) == {"InvoiceId-C-005-C"}
    for rule in (must_be_null, must_not_be_null):
        assert rule["ValidationCriteria"]["Condition"] == {}, (
            "the rule has its condition now: drop the allowance"
        )
    assert must_be_null["ValidationCriteria"]["Requirement"] == {
        "CheckFunction": "CheckValue",
        "ColumnName": "InvoiceId",
        "Value": None,
    }
    assert must_not_be_null["ValidationCriteria"]["Requirement"] == {
        "CheckFunction": "CheckNotValue",
        "ColumnName": "InvoiceId",
        "Value": None,
    }


def test_report_parsing_reads_counts_and_failed_rules() -> None:
    output = (
        "\n=== Validation Results ===\nTotal: 5 | Pass: 2 | Fail: 2 | Skipped: 1\n✅ A: PASS\n"
        "\n--- Failures ---\n- BilledCost-C-003-M: violations=3; BilledCost MUST NOT be NULL.\n"
        "  MustSatisfy: BilledCost MUST NOT be null.\n"
        "- InvoiceId-C-005-C: violations=9; x\n  MustSatisfy: y\n"
    )
    report = parse_report(output)
    assert (report.total, report.passed, report.failed, report.skipped) == (5, 2, 2, 1)
    assert report.failed_rules == ("BilledCost-C-003-M", "InvoiceId-C-005-C")
    assert report.unexpected_failures == ("BilledCost-C-003-M",)


def test_a_report_without_its_summary_is_an_error() -> None:
    with pytest.raises(ValidatorError, match="no summary"):
        parse_report("Traceback (most recent call last): ...")
    with pytest.raises(ValidatorError, match="reported 2 failures but listed 1"):
        parse_report(
            "Total: 3 | Pass: 1 | Fail: 2 | Skipped: 0\n--- Failures ---\n- A-C-001-M: violations=1; x\n"
        )
