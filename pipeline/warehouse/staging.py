"""Parquet staging: batches land on disk as they arrive so memory stays bounded and the
DuckDB write transaction (which holds the single-writer lock) only has to read local files.

Parts are written on one background thread (polars writes without the GIL), so the thread that shapes
pages goes on shaping; each stage has at most one part in flight besides the rows it buffers."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline.tables import TableSpec
from pipeline.transform import Reject, frame_schema

_writer: ThreadPoolExecutor | None = None
"""Writes every stage's parts, in the order they were handed over (one per process: see `_writer_pool`)."""


_writer_lock = threading.Lock()


def _writer_pool() -> ThreadPoolExecutor:
    """The process's writer, made on first use (stages are flushed from the shaping and commit threads)."""
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-writer")
        return _writer


def _forget_writer() -> None:
    """A forked child has none of its parent's threads: it starts its own writer."""
    global _writer, _writer_lock
    _writer, _writer_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_writer)


def _write_part(frame: pl.DataFrame, part: Path) -> None:
    """Write-then-rename, so a part is never half there."""
    partial = part.with_suffix(".partial")
    frame.write_parquet(partial, compression="lz4", statistics=False)
    os.replace(partial, part)


class Stage:
    """Rows (and rejects) of one table staged by one run, waiting for `Warehouse.commit`."""

    def __init__(self, spec: TableSpec, run_id: str, directory: Path, flush_rows: int = 50_000) -> None:
        self.spec = spec
        self.run_id = run_id
        self.directory = directory
        self.flush_rows = flush_rows
        self.started_at = datetime.now(UTC)
        self.parts: list[Path] = []
        self.rejects: list[Reject] = []
        self.row_count = 0
        self.discarded = False
        self._schema = frame_schema(spec)
        self._buffer: list[pl.DataFrame] = []
        self._buffered_rows = 0
        self._writing: Future[None] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, frame: pl.DataFrame) -> None:
        """Append a shaped batch; it is written as a Parquet part once `flush_rows` rows are buffered."""
        if self.discarded:
            raise ValueError(f"stage of raw.{self.spec.name} was already committed or discarded")
        unknown = set(frame.columns) - set(self._schema)
        if unknown:
            raise ValueError(f"raw.{self.spec.name}: frame has columns the spec lacks: {sorted(unknown)}")
        conformed = frame.select(
            [
                pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
                for name, dtype in self._schema.items()
            ]
        )
        self._buffer.append(conformed)
        self._buffered_rows += conformed.height
        self.row_count += conformed.height
        if self._buffered_rows >= self.flush_rows:
            self._write_buffer()

    def add_rejects(self, rejects: Iterable[Reject]) -> None:
        self.rejects.extend(rejects)

    def flush(self) -> None:
        """Write buffered rows as the next part and wait until every part is on disk (`parts` complete)."""
        self._write_buffer()
        self._wait()

    def _write_buffer(self) -> None:
        """Hand the buffered rows to the writer thread, after the stage's previous part is written."""
        self._wait()
        if not self._buffer:
            return
        frame = pl.concat(self._buffer, how="vertical") if len(self._buffer) > 1 else self._buffer[0]
        part = self.directory / f"part-{len(self.parts):06d}.parquet"
        self._buffer = []
        self._buffered_rows = 0
        self._writing = _writer_pool().submit(_write_part, frame, part)
        self.parts.append(part)

    def _wait(self) -> None:
        """Wait for the part in flight; a failed write raises here, and again on every later call."""
        if self._writing is not None:
            self._writing.result()
            self._writing = None

    def discard(self) -> None:
        """Remove the staged files (after a commit, or to abandon the stage)."""
        self._buffer = []
        self.discarded = True
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.exception()  # the part is abandoned with its stage; its error does not matter
        shutil.rmtree(self.directory, ignore_errors=True)


def new_stage_directory(root: Path, table: str, run_id: str) -> Path:
    safe_run = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in run_id)[:64]
    return root / table / f"{safe_run}-{uuid.uuid4().hex[:8]}"


def remove_stale_stages(root: Path, older_than_s: float) -> int:
    """Delete stage directories untouched for `older_than_s` (left by runs that died before commit)."""
    if not root.exists():
        return 0
    cutoff = datetime.now(UTC).timestamp() - older_than_s
    removed = 0
    for table_dir in root.iterdir():
        for stage_dir in table_dir.iterdir() if table_dir.is_dir() else ():
            if stage_dir.is_dir() and stage_dir.stat().st_mtime < cutoff:
                shutil.rmtree(stage_dir, ignore_errors=True)
                removed += 1
    return removed
