"""Conventions shared by record transforms: where derived values live and how a transform rejects."""

from __future__ import annotations

from typing import Any

DERIVED_KEY = "_derived"
"""Reserved record key holding transform outputs; columns read them by path `_derived.<name>`."""

REJECT_KEY = "_reject"
"""A transform sets `record["_derived"]["_reject"] = reason` to reject the record (e.g. a bad cost name)."""


def derived(record: dict[str, Any]) -> dict[str, Any]:
    """The record's derived-values dict, created on first use."""
    values = record.get(DERIVED_KEY)
    if values is None:
        values = record[DERIVED_KEY] = {}
    return values


def without_derived(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the source sent it (derived values removed), for hashing and `_raw`."""
    if DERIVED_KEY not in record:
        return record
    return {k: v for k, v in record.items() if k != DERIVED_KEY}
