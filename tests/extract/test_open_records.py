"""Where a cursor export resumes: a page holds an open record when the open column is null or absent,
read the same from decoded records and from the bytes sent (nested paths and alternatives included)."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest

from pipeline.domino.client import Page, RawPage
from pipeline.extract.cursors import OpenRecords
from pipeline.tables import Column

END = Column("end_time", "timing.end", "timestamp", alternatives=("endTime",))


def pages(records: list[Any]) -> tuple[Page, RawPage]:
    """The same records as a page of decoded records and as a page of bytes."""
    body = orjson.dumps({"runs": records})
    items = msgspec.json.decode(body, type=dict[str, msgspec.Raw])["runs"]
    raws = msgspec.json.decode(items, type=list[msgspec.Raw])
    return Page("runs", records, 0, len(body), 1, 0), RawPage("runs", items, raws, "runs", 0, len(body), 1, 0)


@pytest.mark.parametrize(
    ("records", "open_"),
    [
        ([{"timing": {"end": 5}}, {"endTime": 7}], False),
        ([{"timing": {"end": 5}}, {"timing": {"end": None}}], True),
        ([{"timing": {"end": 5}}, {"timing": {}, "endTime": 3}], False),  # the alternative holds it
        ([{"timing": {"end": 5}}, {"timing": "oops"}], True),  # no end time readable: open
        ([{"timing": {"end": 5}}, {"runId": "r2", "other": [1, 2]}], True),
    ],
)
def test_a_page_holds_an_open_record_when_its_end_is_null_or_absent(records: list[Any], open_: bool) -> None:
    decoded, raw = pages(records)
    probe = OpenRecords(END)
    assert probe.in_page(decoded) is open_
    assert probe.in_page(raw) is open_


def test_a_page_of_bytes_whose_records_are_not_objects_resumes_here() -> None:
    _, raw = pages([{"timing": {"end": 5}}, 42])
    assert OpenRecords(END).in_page(raw) is True
