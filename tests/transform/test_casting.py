"""The timestamp casters: ISO-8601 text and epoch milliseconds (Domino sends both for one field) land in
UTC, and every other value is named as a failure, whichever mix a column holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.transform.casting import cast_column

TEN = datetime(2024, 8, 14, 10, tzinfo=UTC)
TEN_MS = 1_723_629_600_000


@pytest.mark.parametrize(
    ("values", "expected", "failures"),
    [
        (["2024-08-14T10:00:00Z", None], [TEN, None], {}),
        ([TEN_MS, None, 1.5e12], [TEN, None, datetime.fromtimestamp(1.5e9, UTC)], {}),
        ([TEN_MS, True], [TEN, None], {1: "bool"}),
        (["2024-08-14T10:00:00Z", True, {"a": 1}], [TEN, None, None], {1: "bool", 2: "dict"}),
        (
            ["2024-08-14 12:00:00+02:00", TEN_MS, False, [1], None, "14/08/2024"],
            [TEN, TEN, None, None, None, None],
            {2: "bool", 3: "list", 5: "str (not ISO-8601)"},
        ),
    ],
)
def test_a_timestamp_column_reads_text_and_epoch_millis_and_names_every_other_value(
    values: list[Any], expected: list[datetime | None], failures: dict[int, str]
) -> None:
    for column_type in ("timestamp", "timestamp_ms"):
        series, failed = cast_column("t", values, column_type)
        assert series.to_list() == expected, column_type
        assert failed == failures, column_type
