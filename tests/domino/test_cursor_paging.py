"""Cursor paging (`batchId` -> `nextBatchId`) over real HTTP against a fake Domino on 127.0.0.1, for pages
of decoded records and for pages kept as the bytes sent (the columnar path's), which follow the same rules."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from pipeline.domino import DominoClient, PagingError
from pipeline.domino.catalogue import Endpoint, col, table
from pipeline.domino.client import Page, RawPage

from .conftest import FakeDomino, Reply, Seen

PATH = "/v4/gateway/runs/getByBatchId"
RUNS = [{"runId": f"r{i:02d}", "batchId": f"{i:024x}"} for i in range(23)]
ENDPOINT = Endpoint(
    "cursor_runs",
    "runs",
    PATH,
    table=table("cursor_runs", col("run_id", "runId", required=True), key=("run_id",)),
    list_keys=("runs",),
    pagination="cursor",
    cursor_param="batchId",
    cursor_key="nextBatchId",
)


@pytest.fixture(params=["decoded", "raw"])
def pages_of(request: pytest.FixtureRequest, client: DominoClient):
    """`client.iter_pages` or `client.iter_raw_pages`, as a list."""

    def read(endpoint: Endpoint, **options: Any) -> list[Page | RawPage]:
        if request.param == "raw":
            return list(client.iter_raw_pages(endpoint, **options))
        return list(client.iter_pages(endpoint, **options))

    return read


def run_ids(pages: list[Page | RawPage]) -> list[str]:
    records = [orjson.loads(bytes(r)) if isinstance(p, RawPage) else r for p in pages for r in p.records]
    return [r["runId"] for r in records]


def cursor_pages(records: list[dict], *, end: str = "null") -> callable:
    """Pages from the inclusive starting id `batchId`; how the last page ends is chosen by `end`."""

    def handler(seen: Seen) -> Reply:
        start = seen.query.get("batchId", "")
        limit = int(seen.query["limit"])
        first = next((k for k, r in enumerate(records) if r["batchId"] >= start), len(records))
        chunk = records[first : first + limit]
        following = records[first + limit]["batchId"] if first + limit < len(records) else None
        body: dict = {"runs": chunk, "nextBatchId": following}
        if following is None and end == "absent":
            del body["nextBatchId"]
        elif following is None and end == "empty":
            body["nextBatchId"] = ""
        elif following is None and end == "empty_page":  # keeps handing a cursor: ends on an empty page
            body["nextBatchId"] = "f" * 24
        return Reply(body=body)

    return handler


@pytest.mark.parametrize("end", ["null", "absent", "empty", "empty_page"])
def test_cursor_paging_reads_every_record_once_and_ends(fake: FakeDomino, pages_of, end: str):
    fake.route(PATH, cursor_pages(RUNS, end=end))
    pages = pages_of(ENDPOINT, page_size=10)
    assert run_ids(pages) == [r["runId"] for r in RUNS]
    requests = fake.requests_to(PATH)
    assert [s.query["batchId"] for s in requests][:3] == ["", RUNS[10]["batchId"], RUNS[20]["batchId"]]
    assert all(s.query["limit"] == "10" for s in requests)
    assert len(requests) == (4 if end == "empty_page" else 3)
    assert pages[0].cursor == "" and pages[1].cursor == pages[0].next_cursor == RUNS[10]["batchId"]
    assert pages[2].next_cursor == ("f" * 24 if end == "empty_page" else None)


def test_cursor_paging_resumes_from_a_given_cursor(fake: FakeDomino, pages_of):
    fake.route(PATH, cursor_pages(RUNS))
    pages = pages_of(ENDPOINT, page_size=10, cursor=RUNS[18]["batchId"])
    assert run_ids(pages) == [r["runId"] for r in RUNS[18:]]
    assert fake.requests_to(PATH)[0].query["batchId"] == RUNS[18]["batchId"]


def test_a_cursor_that_does_not_advance_is_an_error_not_a_loop(fake: FakeDomino, pages_of):
    fake.route(PATH, lambda seen: Reply(body={"runs": RUNS[:5], "nextBatchId": RUNS[5]["batchId"]}))
    with pytest.raises(PagingError, match="does not advance"):
        pages_of(ENDPOINT, page_size=5)
    assert len(fake.requests_to(PATH)) == 2


def test_a_cursor_that_cycles_back_is_an_error(fake: FakeDomino, pages_of):
    def cycling(seen: Seen) -> Reply:
        following = {"": "a", "a": "b", "b": "a"}[seen.query["batchId"]]
        return Reply(body={"runs": [{"runId": seen.query["batchId"] or "0"}], "nextBatchId": following})

    fake.route(PATH, cycling)
    with pytest.raises(PagingError, match="'a' again after 3 pages"):
        pages_of(ENDPOINT, page_size=1)


def test_a_non_string_cursor_is_an_error(fake: FakeDomino, pages_of):
    fake.route(PATH, lambda seen: Reply(body={"runs": RUNS[:2], "nextBatchId": 12}))
    with pytest.raises(PagingError, match="non-string nextBatchId"):
        pages_of(ENDPOINT, page_size=2)


def test_cursor_errors_carry_the_v4_message(fake: FakeDomino, pages_of):
    fake.route(PATH, lambda seen: Reply(403, {"message": "This operation requires the SysAdmin role"}))
    with pytest.raises(Exception, match="HTTP 403: This operation requires the SysAdmin role"):
        pages_of(ENDPOINT)


def test_cursor_endpoints_must_name_their_cursor() -> None:
    with pytest.raises(ValueError, match="cursor_param and cursor_key"):
        Endpoint("bad", "runs", PATH, table=ENDPOINT.table, pagination="cursor")
