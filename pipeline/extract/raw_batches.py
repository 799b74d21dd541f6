"""Stage pages of bytes on the columnar path (a day's, or a cursor export's), several pages per shaping call.

Each polars call has a fixed cost, so pages of one day (or of one cursor chunk) are shaped together, up
to `batch_records` records (a few MB: memory stays bounded however large the day). A batch that does not
type is shaped again page by page, and only a page that still does not type takes the records path
(`shape_batch`), with its records' bytes as sent kept as `_raw`, so `_raw` and keys are the same on
either path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from pipeline.domino import Endpoint
from pipeline.domino.client import RawPage
from pipeline.domino.errors import EnvelopeError
from pipeline.domino.windows import DailyWindow
from pipeline.extract.clipping import clip_mask
from pipeline.extract.report import LoadReport
from pipeline.transform.columnar import ColumnarPlan
from pipeline.transform.shape import SOURCE_BYTES_KEY
from pipeline.warehouse.staging import Stage

Day = DailyWindow | None
"""The day a page was requested for (clipped to it when the endpoint says so); None for a cursor export."""
RecordsPath = Callable[[list[dict[str, Any]], list[Stage], dict[str, Any]], None]
"""Shapes records on the records path into stages, with a context (the engine's `_stage_with_children`)."""


@dataclass
class RawBatches:
    """Pages of the current day (or cursor chunk) waiting to be shaped together."""

    endpoint: Endpoint
    plan: ColumnarPlan | None
    records_path: RecordsPath
    report: LoadReport
    progress: Callable[[str, int], None] | None = None
    batch_records: int = 5_000
    _pages: list[RawPage] = field(default_factory=list)
    _count: int = 0

    @property
    def waiting(self) -> int:
        """Records added and not yet shaped."""
        return self._count

    def add(self, page: RawPage, stages: list[Stage], window: Day, context: dict[str, Any]) -> None:
        if not page.records:
            return
        self._pages.append(page)
        self._count += len(page.records)
        if self._count >= self.batch_records:
            self.flush(stages, window, context)

    def flush(self, stages: list[Stage], window: Day, context: dict[str, Any]) -> None:
        """Shape what is waiting (at the end of each day, and before a chunk commits)."""
        pages, self._pages, self._count = self._pages, [], 0
        if not pages:
            return
        if len(pages) > 1:
            records = [raw for page in pages for raw in page.records]
            if self._columnar(b"[" + b",".join(records) + b"]", records, stages, window, context):
                return
        for page in pages:
            if not self._columnar(page.items, page.records, stages, window, context):
                self._records(page.records, stages, window, context)

    def _columnar(
        self,
        items: msgspec.Raw | bytes,
        records: list[msgspec.Raw],
        stages: list[Stage],
        window: Day,
        context: dict[str, Any],
    ) -> bool:
        if self.plan is None:
            return False
        endpoint = self.endpoint
        clipped = window is not None and endpoint.clip_to_window
        clip = (endpoint.window_column, window.start, window.end) if clipped else None
        shaped = self.plan.shape(items, records, context, clip)
        if shaped is None:
            return False
        frame, children = shaped
        stages[0].add(frame)
        for child_frame, child_stage in zip(children, stages[1:], strict=True):
            child_stage.add(child_frame)
        self.report.rows += frame.height
        if self.progress:
            self.progress(endpoint.table.name, self.report.rows)
        return True

    def _records(
        self, sent: list[msgspec.Raw], stages: list[Stage], window: Day, context: dict[str, Any]
    ) -> None:
        endpoint = self.endpoint
        records = [orjson.loads(bytes(raw)) for raw in sent]
        for record in records:
            if not isinstance(record, dict):
                kind = type(record).__name__
                raise EnvelopeError(
                    f"{endpoint.name}: expected each record to be an object, got a JSON {kind}"
                )
        keep = clip_mask(records, endpoint, window) if window else None
        if keep is not None:
            records = [r for r, k in zip(records, keep, strict=True) if k]
            sent = [r for r, k in zip(sent, keep, strict=True) if k]
        self.records_path(records, stages, {**context, SOURCE_BYTES_KEY: sent})
