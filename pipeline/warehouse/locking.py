"""Cross-process serialisation of DuckDB access: one writer at a time, readers wait instead of failing.

DuckDB allows one read-write process per file and Dagster runs are separate processes, so
every write transaction holds an exclusive `flock` on `<db>.lock`; connecting also retries the
"Could not set lock" error raised while a process outside this protocol (a notebook) has it open.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")


class LockTimeout(TimeoutError):
    """The database stayed locked by another process for longer than the configured bound."""


def _backoff_delays(first: float = 0.05, cap: float = 2.0) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


@contextmanager
def file_lock(path: Path, exclusive: bool, timeout_s: float) -> Iterator[None]:
    """Hold an `flock` on `path` (exclusive for writers, shared for readers), waiting up to `timeout_s`."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout_s
    try:
        for delay in _backoff_delays():
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() + delay > deadline:
                    raise LockTimeout(f"{path} stayed locked for {timeout_s:.0f} s") from None
                time.sleep(delay)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def is_lock_conflict(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def retry_on_lock(open_connection: Callable[[], T], timeout_s: float) -> T:
    """Call `open_connection`, retrying DuckDB's file-lock conflict with backoff for up to `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    for delay in _backoff_delays():
        try:
            return open_connection()
        except duckdb.IOException as error:
            if not is_lock_conflict(error) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")
