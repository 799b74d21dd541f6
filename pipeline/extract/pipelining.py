"""Overlap fetching, shaping and committing with bounded hand-offs, so memory stays flat.

- `ordered_fetch`: the pages of several windows fetched on a few threads (each window's pages in order),
  handed to the caller window by window, in window order. Each window has its own small queue, so at most
  `workers × (queue_pages + 1)` pages are held however large a window is; the client's own concurrency
  bound and request budget still apply to every request.
- `Committer`: commits run on one background thread, one at a time and in order, while the caller shapes
  the next chunk; a new commit waits for the previous one, so at most one staged chunk waits in memory
  or on disk besides the one being filled. The first error is raised in the caller.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Page = TypeVar("Page")

_DONE = object()
_POLL_SECONDS = 0.05


@dataclass
class _Failure:
    error: BaseException


@dataclass
class WindowEnd(Generic[Item]):
    """Marks that every page of `item` has been handed over (also for a window that had no page)."""

    item: Item


class _Lane:
    """One window's pages, produced on a worker thread into a bounded queue."""

    def __init__(self, item: object, size: int) -> None:
        self.item = item
        self.pages: queue.Queue[object] = queue.Queue(maxsize=size)
        self.future: Future[None] | None = None


def ordered_fetch(
    items: Iterable[Item],
    fetch: Callable[[Item], Iterable[Page]],
    *,
    workers: int = 2,
    queue_pages: int = 2,
) -> Iterator[tuple[Item, Page] | WindowEnd[Item]]:
    """Yield `(item, page)` for every page of `fetch(item)`, items in order, each followed by
    `WindowEnd(item)`; up to `workers` items are fetched ahead. The first error is re-raised here and
    stops the other workers; closing the generator stops them too."""
    stop = threading.Event()
    todo = iter(items)
    lanes: deque[_Lane] = deque()

    def put(lane: _Lane, value: object) -> bool:
        while not stop.is_set():
            try:
                lane.pages.put(value, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def run(lane: _Lane) -> None:
        try:
            for page in fetch(lane.item):  # type: ignore[arg-type]
                if not put(lane, page):
                    return
        except BaseException as error:
            put(lane, _Failure(error))
            return
        put(lane, _DONE)

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="domino-fetch")

    def start_next() -> None:
        for item in todo:
            lane = _Lane(item, max(1, queue_pages))
            lane.future = pool.submit(run, lane)
            lanes.append(lane)
            return

    try:
        for _ in range(max(1, workers)):
            start_next()
        while lanes:
            lane = lanes[0]
            while True:
                value = lane.pages.get()
                if value is _DONE:
                    break
                if isinstance(value, _Failure):
                    raise value.error
                yield lane.item, value  # type: ignore[misc]
            lanes.popleft()
            start_next()
            yield WindowEnd(lane.item)  # type: ignore[arg-type]
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


class Committer:
    """Runs `commit()` callables on one background thread, strictly one after the other."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duckdb-commit")
        self._pending: Future[None] | None = None

    def submit(self, commit: Callable[[], None]) -> None:
        """Wait for the previous commit (raising its error), then start this one."""
        self.wait()
        self._pending = self._pool.submit(commit)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self, *, wait: bool = True) -> None:
        """Finish (or, after an error elsewhere, still finish) the running commit and stop the thread."""
        try:
            if wait:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> Committer:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(wait=exc_type is None)
