"""The fast path's vectorised shortcuts give exactly what the per-value code gives, or step aside.

Each shortcut (`exact_series` for casts, `inside_epoch_ms` for clipping, `Occurrences.keys` for event
keys, the targets explode that keeps `added`/`removed` as the bytes sent) is compared with the code it
stands in for, on values chosen to sit on its edges, and must return None (use the slow code) on a value
it cannot type or decide exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from pipeline.domino.raw_envelopes import read_raw_list, split_body
from pipeline.transform.audit import Occurrences
from pipeline.transform.casting import cast_column, exact_series
from pipeline.transform.columnar import plan_for
from pipeline.transform.moments import inside, inside_epoch_ms
from tests.fixtures import audit_record
from tests.transform.test_columnar import AUDIT, context, records_path

START = datetime(2024, 10, 15, tzinfo=UTC)
END = START + timedelta(days=1)
START_MS = 1_728_950_400_000


@pytest.mark.parametrize(
    ("column_type", "values"),
    [
        ("int", [1, None, -(2**63), 2**63 - 1]),
        ("float", [1.5, None, -0.0, 1e300]),
        ("bool", [True, None, False]),
        ("str", ["a", None, "ünïcode"]),
        ("timestamp_ms", [START_MS, None, 0, 4_102_444_800_000]),
        ("timestamp", [START_MS, None]),
        ("timestamp_ms", [None, None]),
        ("timestamp_ms", []),
    ],
)
def test_an_exact_series_equals_cast_column(column_type: Any, values: list[Any]) -> None:
    fast = exact_series("c", values, column_type)
    assert fast is not None
    expected, failures = cast_column("c", values, column_type)
    assert not failures
    assert_series_equal(fast, expected)


@pytest.mark.parametrize(
    ("column_type", "values", "why"),
    [
        ("int", [1, True], "a boolean among ints (polars' strict constructor would take it as 1)"),
        ("int", [1, 2**63], "an int beyond Int64"),
        ("int", [1, 2.0], "a float sent for an int (cast_column converts it, the shortcut does not)"),
        ("int", [1, "2"], "text sent for an int"),
        ("float", [1.5, 2], "an int among floats"),
        ("bool", [True, "true"], "text sent for a boolean"),
        ("timestamp_ms", [START_MS, "2024-10-15T00:00:00Z"], "ISO text among epoch times"),
        ("timestamp_ms", [START_MS, 1.5], "a fractional epoch"),
        ("timestamp_ms", [START_MS, False], "a boolean epoch"),
        ("json", [{"a": 1}], "JSON is never a shortcut"),
    ],
)
def test_an_exact_series_steps_aside_for_a_value_it_cannot_type_exactly(
    column_type: Any, values: list[Any], why: str
) -> None:
    assert exact_series("c", values, column_type) is None, why


EDGES = [
    *(START_MS - 1, START_MS, START_MS + 1, START_MS + 86_399_999, START_MS + 86_400_000),
    *(None, 0, 2**32 * 1000 - 1),
]


def test_clipping_epoch_milliseconds_in_polars_decides_as_inside_does() -> None:
    mask = inside_epoch_ms(EDGES, START, END)
    assert mask is not None
    assert mask.to_list() == inside(EDGES, START, END)
    assert mask.to_list() == [False, True, True, True, False, True, False, False]


@pytest.mark.parametrize(
    ("values", "start", "why"),
    [
        ([START_MS, 1.5], START, "a float"),
        ([START_MS, True], START, "a boolean"),
        ([START_MS, "2024-10-15T00:00:00Z"], START, "ISO text"),
        ([START_MS, -1], START, "before 1970"),
        ([START_MS, 2**32 * 1000], START, "past 2106: float seconds no longer exact to the microsecond"),
        ([START_MS], START + timedelta(microseconds=1), "a window end between milliseconds"),
        ([START_MS], START.replace(tzinfo=None), "a naive window end"),
    ],
)
def test_clipping_in_polars_steps_aside_when_it_cannot_decide_exactly(
    values: list[Any], start: datetime, why: str
) -> None:
    assert inside_epoch_ms(values, start, END) is None, why


def test_counting_a_page_of_keys_at_once_equals_counting_one_by_one() -> None:
    pages = [["a1", "b2", "c3"], ["d4", "a1"], ["e5", "e5", "f6"], ["a1", "a7", "a1", "e5"], ["a9"]]
    batch, single = Occurrences(), Occurrences()
    for digests in pages:
        prefixes = [int(d, 16) for d in digests]
        batch.begin()
        assert batch.keys(digests, prefixes) == [single.key(d) for d in digests]
        batch.commit()
    batch.begin()
    batch.keys(["a8", "a1"], [0xA8, 0xA1])
    batch.rollback()  # a page counted at once is forgotten as a whole
    assert batch.key("a8") == single.key("a8") == "a8"
    assert batch.key("a1") == single.key("a1") == "a1-4"


def _event_with_leaves(i: int, key: str) -> dict[str, Any]:
    event = audit_record(i, START_MS)
    event["targets"][0]["fieldChanges"].append(
        {"fieldName": "members", "fieldType": "sequence", key: [{"id": f"u{i}"}], "removed": None}
    )
    return event


def test_targets_leaves_sent_with_escaped_keys_or_as_false_alarms_land_as_on_the_records_path() -> None:
    events = [audit_record(i, START_MS) for i in range(8)]
    events[2] = _event_with_leaves(2, "added")
    events[3]["metadata"] = {"added": "not a field change"}  # a false alarm: decoded, nothing to add
    events[5]["targets"].append({"entity": None, "fieldChanges": None})
    events[6] = _event_with_leaves(6, "added")
    body = orjson.dumps({"events": events, "total": len(events)})
    body = body.replace(b'"added":[{"id":"u6"}]', b'"\\u0061dded":[{"id":"u6"}]')  # the same key, escaped
    envelope = read_raw_list(split_body(body), body, "test", ("events",))
    plan = plan_for(AUDIT.table, AUDIT.child_tables)
    assert plan is not None
    shaped = plan.shape(envelope.items, envelope.records, context())
    assert shaped is not None
    frame, (targets,) = shaped
    expected, (expected_targets,) = records_path(envelope.records, AUDIT, context())
    assert_frame_equal(frame, expected.frame)
    assert_frame_equal(targets, expected_targets.frame)
    added = targets.filter(pl.col("added").is_not_null())["added"].to_list()
    assert added == ['[{"id":"u2"}]', '[{"id":"u6"}]']
