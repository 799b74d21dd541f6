"""Overlap with bounded memory: fetching runs ahead of shaping by a few pages at most, in order, and the
first error of a fetch or a commit reaches the caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from pipeline.extract.pipelining import Committer, WindowEnd, ordered_fetch


class Counting:
    """Pages produced and consumed, to measure how far fetching runs ahead."""

    def __init__(self) -> None:
        self.produced = 0
        self.consumed = 0
        self.ahead = 0
        self.lock = threading.Lock()

    def pages(self, day: int, count: int) -> Iterator[tuple[int, int]]:
        for n in range(count):
            with self.lock:
                self.produced += 1
                self.ahead = max(self.ahead, self.produced - self.consumed)
            yield day, n


def test_pages_arrive_in_window_order_and_fetching_runs_ahead_by_a_bounded_number_of_pages() -> None:
    counting = Counting()
    workers, queue_pages = 3, 2
    seen: list[object] = []
    for event in ordered_fetch(
        range(6), lambda day: counting.pages(day, 50), workers=workers, queue_pages=queue_pages
    ):
        time.sleep(0.0005)  # a slow consumer: the producers fill their queues and must wait
        with counting.lock:
            counting.consumed += 0 if isinstance(event, WindowEnd) else 1
        seen.append(event if isinstance(event, WindowEnd) else event[1])
    expected: list[object] = []
    for day in range(6):
        expected += [(day, n) for n in range(50)] + [WindowEnd(day)]
    assert seen == expected
    # each of the `workers` windows in flight holds its queue plus the page its producer is holding
    assert counting.ahead <= workers * (queue_pages + 1) + 1
    assert counting.produced == 300


def test_a_fetch_error_reaches_the_caller_and_stops_the_other_fetches() -> None:
    started: list[int] = []

    def fetch(day: int) -> Iterator[int]:
        started.append(day)
        if day == 2:
            raise RuntimeError("HTTP 500 on day 2")
        yield from range(1000)

    consumed = 0
    with pytest.raises(RuntimeError, match="day 2"):
        for event in ordered_fetch(range(100), fetch, workers=2, queue_pages=1):
            consumed += 0 if isinstance(event, WindowEnd) else 1
    assert consumed == 2000  # days 0 and 1 in full, nothing after the failing day
    assert max(started) < 10  # the remaining days were never started


def test_closing_early_stops_the_producers() -> None:
    threads_before = threading.active_count()
    events = ordered_fetch(range(10), lambda day: iter(range(10_000)), workers=3, queue_pages=1)
    for _ in range(5):
        next(events)
    events.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= threads_before


def test_commits_run_one_at_a_time_in_order_and_a_failed_commit_fails_the_next_hand_off() -> None:
    order: list[int] = []
    running = threading.Semaphore(1)

    def commit(n: int) -> None:
        assert running.acquire(blocking=False), "two commits at once"
        try:
            time.sleep(0.01)
            order.append(n)
            if n == 2:
                raise ValueError("DuckDB said no")
        finally:
            running.release()

    with pytest.raises(ValueError, match="DuckDB said no"), Committer() as committer:
        for n in range(5):
            committer.submit(lambda n=n: commit(n))
    assert order == [0, 1, 2]
