"""DominoClient: HTTP to Domino with retries, a concurrency bound, a request budget and streaming pages.

It knows HTTP and Domino's envelopes, nothing of Dagster or DuckDB. Pages are yielded one at a time so a
caller never has to hold a whole history in memory.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec
import orjson

from pipeline.domino.auth import DominoAuth
from pipeline.domino.budget import RequestBudget
from pipeline.domino.catalogue import Endpoint
from pipeline.domino.envelopes import Envelope, Record, read_list, read_single
from pipeline.domino.errors import (
    DominoApiError,
    EnvelopeError,
    PagingError,
    TransientResponseError,
    redact,
)
from pipeline.domino.raw_envelopes import RawEnvelope, read_raw_list, split_body
from pipeline.domino.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from pipeline.domino.settings import DominoSettings

log = logging.getLogger("pipeline.domino")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
StopWhen = Callable[[list[Record]], bool]
Decode = Callable[[bytes], Any]


@dataclass
class Response:
    """A parsed JSON body plus what it cost to get it."""

    payload: Any
    status: int
    byte_size: int
    attempts: int


@dataclass
class Page:
    """One page of records from one endpoint call (for a fan-out child: for one parent)."""

    endpoint: str
    records: list[Record]
    offset: int
    byte_size: int
    requests: int
    retries: int
    total: int | None = None
    parent: dict[str, Any] = field(default_factory=dict)
    """Values from the fan-out parent (e.g. `project_id`), for `TableSpec.parent_columns`."""
    cursor: str | None = None
    """Cursor paging: the cursor this page was requested with ('' for the first page)."""
    next_cursor: str | None = None
    """Cursor paging: the server's cursor for the following page (None once the sequence ends)."""


@dataclass
class RawPage:
    """One page of records left as the bytes Domino sent (see `raw_envelopes`): the JSON array of the
    records (`items`), each record's own slice (`records`), where they sat and the server's counters."""

    endpoint: str
    items: msgspec.Raw | bytes
    records: list[msgspec.Raw]
    list_key: str | None
    offset: int
    byte_size: int
    requests: int
    retries: int
    total: int | None = None
    parent: dict[str, Any] = field(default_factory=dict)
    cursor: str | None = None
    """Cursor paging: the cursor this page was requested with ('' for the first page)."""
    next_cursor: str | None = None
    """Cursor paging: the server's cursor for the following page (None once the sequence ends)."""


CursorPage = TypeVar("CursorPage", Page, RawPage)


@dataclass
class ClientStats:
    """Running totals across threads (read them for Dagster metadata)."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    skipped_missing: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, requests: int = 0, retries: int = 0, nbytes: int = 0, skipped: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.bytes += nbytes
            self.skipped_missing += skipped


def reads_raw_pages(endpoint: Endpoint) -> bool:
    """Whether `DominoClient.iter_raw_pages` can read the endpoint: a list of records, offset- or
    cursor-paged or unpaged (not one record, not items wrapped in an object)."""
    return endpoint.pagination in ("offset", "cursor", "none") and not endpoint.item_wrapper


def _domino_message(body: bytes) -> tuple[str, str | None]:
    """Domino's error text (`errors[]` or `error` or `message`) and `requestId`, from an error body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:300].decode("utf-8", "replace").strip()
        return (text or "(empty body)"), None
    if not isinstance(data, dict):
        return str(data)[:300], None
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        message = "; ".join(str(e) for e in errors)
    else:
        message = str(data.get("error") or data.get("message") or data)[:500]
    request_id = data.get("requestId") or (data.get("metadata") or {}).get("requestId")
    return message, str(request_id) if request_id else None


def _fingerprint(records: list[Any]) -> bytes:
    """Identity of a page for 'same page twice' detection: its size plus its first and last records.

    Consecutive pages of distinct records never share both ends; hashing only the ends keeps it cheap.
    """
    if isinstance(records[0], msgspec.Raw):
        ends = b"%d\0%b\0%b" % (len(records), bytes(records[0]), bytes(records[-1]))
    else:
        ends = orjson.dumps([len(records), records[0], records[-1]], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(ends, digest_size=16).digest()


def _split_raw(content: bytes) -> tuple[bytes, Any]:
    """The body and its top level as `msgspec.Raw` slices; a truncated or malformed body is transient."""
    try:
        return content, split_body(content)
    except msgspec.ValidationError as exc:
        raise EnvelopeError(f"expected a JSON object or array ({exc})") from None
    except msgspec.DecodeError as exc:
        raise TransientResponseError(f"invalid or truncated JSON body ({exc})") from None


class DominoClient:
    """Thread-safe client for the Domino REST API; use as a context manager or call `close()`."""

    def __init__(
        self,
        settings: DominoSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._auth = DominoAuth.from_settings(settings)
        self._http = httpx.Client(
            base_url=settings.base_url,
            auth=self._auth,
            timeout=settings.timeout_seconds,
            transport=transport,
            headers={"Accept": "application/json"},
            limits=httpx.Limits(
                max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
            ),
        )
        self._policy = RetryPolicy(
            settings.max_attempts,
            settings.max_retry_wait_seconds,
            settings.backoff_initial_seconds,
            settings.backoff_max_seconds,
        )
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._budget = RequestBudget(settings.requests_per_second) if settings.requests_per_second else None
        self._sleep = sleep
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"DominoClient({self.settings.base_url!r}, auth={self._auth!r})"

    def __enter__(self) -> DominoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- single requests ----------------------------------------------------------------------------
    def _attempt(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, decode: Decode | None
    ) -> tuple[Any, int, int]:
        if self._budget is not None:
            self._budget.acquire()
        with self._slots:
            response = self._http.request(method, path, params=params, json=body)
        content = response.content
        status = response.status_code
        if status in RETRYABLE_STATUSES:
            message, request_id = _domino_message(content)
            raise TransientResponseError(
                f"HTTP {status}",
                status=status,
                request_id=request_id,
                detail=message,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            message, request_id = _domino_message(content)
            raise DominoApiError(
                method=method,
                path=path,
                status=status,
                request_id=request_id,
                detail=redact(message, self._auth.current_secrets()),
            )
        if not content.strip():
            return None, status, len(content)
        if decode is not None:
            return decode(content), status, len(content)
        try:
            return orjson.loads(content), status, len(content)
        except orjson.JSONDecodeError as exc:
            raise TransientResponseError(f"invalid or truncated JSON body ({exc})", status=status) from None

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        decode: Decode | None = None,
    ) -> Response:
        """One logical request with retries; raises `DominoApiError` with a secret-free message on failure.

        `decode` replaces the JSON parse of the body (it runs inside the retries, so it may raise
        `TransientResponseError` for a body worth asking for again)."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempts = 0

        def before_sleep(state: Any) -> None:
            exc = state.outcome.exception()
            log.warning(
                "retrying %s %s after %s (attempt %d, sleeping %.2fs)",
                method,
                path,
                redact(str(exc), self._auth.current_secrets()),
                state.attempt_number,
                state.upcoming_sleep,
            )

        retrying = self._policy.retrying(idempotent=idempotent, sleep=self._sleep)
        retrying.before_sleep = before_sleep
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    payload, status, nbytes = self._attempt(method, path, params, json, decode)
        except DominoApiError as exc:
            exc.attempts = attempts
            self.stats.add(requests=attempts, retries=attempts - 1)
            raise
        except TransientResponseError as exc:
            self.stats.add(requests=attempts, retries=attempts - 1)
            raise DominoApiError(
                method=method,
                path=path,
                status=exc.status,
                request_id=exc.request_id,
                detail=redact(exc.detail, self._auth.current_secrets()),
                attempts=attempts,
            ) from None
        except httpx.HTTPError as exc:
            self.stats.add(requests=attempts, retries=attempts - 1)
            detail = redact(f"{type(exc).__name__}: {exc}", self._auth.current_secrets())
            raise DominoApiError(
                method=method, path=path, status=None, detail=detail, attempts=attempts
            ) from None
        self.stats.add(requests=attempts, retries=attempts - 1, nbytes=nbytes)
        return Response(payload, status, nbytes, attempts)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Write helper: the parsed JSON body (None for an empty body).

        POST is not retried once the request may have reached Domino unless `idempotent=True`.
        """
        return self.send(method, path, params=params, json=json, idempotent=idempotent).payload

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.send("GET", path, params=params).payload

    # --- catalogue endpoints ------------------------------------------------------------------------
    def resolve_path(self, endpoint: Endpoint, path_params: Mapping[str, str] | None = None) -> str:
        template = getattr(self.settings, endpoint.path_setting) if endpoint.path_setting else endpoint.path
        try:
            return template.format_map({k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        except KeyError as exc:
            raise ValueError(f"{endpoint.name}: missing path parameter {exc} for {template}") from None

    def iter_pages(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        parent: Mapping[str, Any] | None = None,
        stop_when: StopWhen | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> Iterator[Page]:
        """Stream the pages of one endpoint call.

        Offset paging stops at a short or empty page (a server counter is only used to keep going past a
        short page when it says more remain). A repeated page means the server ignores `offset`: error.
        Cursor paging starts at `cursor` (None: the first page) and follows the server's cursor.
        `stop_when(records)` lets a caller stop early, e.g. at a job it already has.
        """
        path = self.resolve_path(endpoint, path_params)
        query = {**endpoint.params, **(params or {})}
        context = dict(parent or {})
        if endpoint.pagination == "cursor":
            limit = page_size or self.settings.page_size_for(endpoint.name, endpoint.page_size)
            yield from self._iter_cursor(endpoint, path, {**query, "limit": limit}, context, cursor or "")
            return
        if endpoint.pagination != "offset":
            response = self._get_or_missing(endpoint, path, query)
            if response is None:
                return
            read = (
                read_single(response.payload, endpoint.name, endpoint.list_keys)
                if endpoint.pagination == "single"
                else read_list(response.payload, endpoint.name, endpoint.list_keys, endpoint.item_wrapper)
            )
            yield self._page(endpoint, read, 0, response, context)
            return
        limit = page_size or self.settings.page_size_for(endpoint.name, endpoint.page_size)

        def fetch(offset: int) -> tuple[Envelope, Response] | None:
            response = self._get_or_missing(endpoint, path, {**query, "offset": offset, "limit": limit})
            if response is None:
                return None
            read = read_list(response.payload, endpoint.name, endpoint.list_keys, endpoint.item_wrapper)
            return read, response

        for read, response, offset in self._offset_pages(endpoint, path, limit, fetch, stop_when):
            yield self._page(endpoint, read, offset, response, context)

    def iter_raw_pages(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        parent: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> Iterator[RawPage]:
        """Like `iter_pages` (offset, cursor or unpaged lists, same paging rules and guards), but each page
        keeps its records as the bytes Domino sent, for a columnar shaper; wrapped items are not supported.
        Cursor paging starts at `cursor` (None: the first page)."""
        if not reads_raw_pages(endpoint):
            raise ValueError(f"{endpoint.name}: raw pages need a list of records (offset, cursor or unpaged)")
        path = self.resolve_path(endpoint)
        query = {**endpoint.params, **(params or {})}
        context = dict(parent or {})
        limit = page_size or self.settings.page_size_for(endpoint.name, endpoint.page_size)

        def request(paging: Mapping[str, Any]) -> tuple[RawEnvelope, Any, Response] | None:
            """The page's records as bytes, its top level (values as bytes) and the response."""
            response = self._get_or_missing(endpoint, path, {**query, **paging}, decode=_split_raw)
            if response is None:
                return None
            if response.payload is None:
                raise EnvelopeError(f"{endpoint.name}: expected a JSON list or object, got an empty body")
            body, top = response.payload
            return read_raw_list(top, body, endpoint.name, endpoint.list_keys), top, response

        def fetch(offset: int | None) -> tuple[RawEnvelope, Response] | None:
            fetched = request({} if offset is None else {"offset": offset, "limit": limit})
            return None if fetched is None else (fetched[0], fetched[2])

        def page(read: RawEnvelope, offset: int, response: Response) -> RawPage:
            return RawPage(
                endpoint.name,
                read.items,
                read.records,
                read.list_key,
                offset,
                response.byte_size,
                response.attempts,
                response.attempts - 1,
                read.total,
                context,
            )

        def cursor_page(at: str) -> tuple[RawPage, Any, bool] | None:
            fetched = request({"limit": limit, endpoint.cursor_param: at})
            if fetched is None:
                return None
            read, top, response = fetched
            sent = top.get(endpoint.cursor_key) if isinstance(top, dict) else None
            following = None if sent is None else msgspec.json.decode(sent)
            return page(read, 0, response), following, bool(read.records)

        if endpoint.pagination == "cursor":
            yield from self._cursor_pages(endpoint, path, cursor_page, cursor or "")
            return
        if endpoint.pagination == "none":
            fetched = fetch(None)
            if fetched is not None:
                yield page(fetched[0], 0, fetched[1])
            return
        for read, response, offset in self._offset_pages(endpoint, path, limit, fetch, None):
            yield page(read, offset, response)

    def _offset_pages(
        self,
        endpoint: Endpoint,
        path: str,
        limit: int,
        fetch: Callable[[int], tuple[Any, Response] | None],
        stop_when: StopWhen | None,
    ) -> Iterator[tuple[Any, Response, int]]:
        """Offset paging: stop at a short or empty page (a server counter is only used to keep going past
        a short page when it says more remain); a repeated page means the server ignores `offset`: error."""
        offset = 0
        previous: bytes | None = None
        while True:
            fetched = fetch(offset)
            if fetched is None:
                return
            read, response = fetched
            records = read.records
            if not records:
                if offset == 0:
                    yield read, response, offset
                return
            fingerprint = _fingerprint(records)
            if fingerprint == previous:
                if read.total is not None and offset >= read.total:
                    return  # an unpaged list echoed again: the counter confirms we already have it all
                raise PagingError(
                    f"{endpoint.name}: GET {path} returned the same {len(records)} records for "
                    f"offset={offset} as for the previous page: the server appears to ignore `offset`; "
                    "stopping to avoid duplicates"
                )
            previous = fingerprint
            yield read, response, offset
            if stop_when is not None and stop_when(records):
                return
            effective_limit = min(limit, read.limit) if read.limit else limit
            if len(records) > limit:
                return  # the server ignored `limit` and sent everything at once
            offset += len(records)
            if len(records) < effective_limit and (read.total is None or offset >= read.total):
                return

    def _iter_cursor(
        self, endpoint: Endpoint, path: str, query: dict[str, Any], context: dict[str, Any], cursor: str
    ) -> Iterator[Page]:
        def fetch(at: str) -> tuple[Page, Any, bool] | None:
            response = self._get_or_missing(endpoint, path, {**query, endpoint.cursor_param: at})
            if response is None:
                return None
            read = read_list(response.payload, endpoint.name, endpoint.list_keys, endpoint.item_wrapper)
            payload = response.payload
            following = payload.get(endpoint.cursor_key) if isinstance(payload, dict) else None
            return self._page(endpoint, read, 0, response, context), following, bool(read.records)

        return self._cursor_pages(endpoint, path, fetch, cursor)

    def _cursor_pages(
        self,
        endpoint: Endpoint,
        path: str,
        fetch: Callable[[str], tuple[CursorPage, Any, bool] | None],
        cursor: str,
    ) -> Iterator[CursorPage]:
        """Follow the response's `cursor_key` until it is null, absent or empty, or a page is empty;
        `fetch(cursor)` gives the page, the cursor the server sent and whether the page held records.

        A cursor handed out twice would page forever (or duplicate records): it is a `PagingError`.
        """
        key = endpoint.cursor_key
        requested: set[str] = set()
        while True:
            requested.add(cursor)
            fetched = fetch(cursor)
            if fetched is None:
                return
            page, following, has_records = fetched
            if following is not None and not isinstance(following, str):
                raise PagingError(f"{endpoint.name}: GET {path} sent a non-string {key}: {following!r}")
            page.cursor, page.next_cursor = cursor, following or None
            yield page
            if not following or not has_records:
                return
            if following in requested:
                raise PagingError(
                    f"{endpoint.name}: GET {path} handed out {key}={following!r} again after "
                    f"{len(requested)} pages: the cursor does not advance; stopping to avoid an endless loop"
                )
            cursor = following

    def _get_or_missing(
        self, endpoint: Endpoint, path: str, query: Mapping[str, Any], decode: Decode | None = None
    ) -> Response | None:
        try:
            return self.send("GET", path, params=query, decode=decode)
        except DominoApiError as exc:
            if exc.status == 404 and endpoint.missing_ok:
                log.info("%s: GET %s answered 404; treated as absent", endpoint.name, path)
                self.stats.add(skipped=1)
                return None
            raise

    def _page(
        self, endpoint: Endpoint, read: Envelope, offset: int, response: Response, context: dict[str, Any]
    ) -> Page:
        return Page(
            endpoint.name,
            read.records,
            offset,
            response.byte_size,
            response.attempts,
            response.attempts - 1,
            read.total,
            context,
        )

    def iter_children(
        self,
        endpoint: Endpoint,
        parents: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
        *,
        params: Mapping[str, Any] | None = None,
        stop_when: Callable[[dict[str, Any]], StopWhen | None] | None = None,
    ) -> Iterator[Page]:
        """Pages of a fan-out child for each (parent record, parent context), fetched concurrently.

        `stop_when(context)` may return a per-parent early-stop hook (e.g. stop at the newest known job).
        """
        fan = endpoint.parent
        if fan is None:
            raise ValueError(f"{endpoint.name} is not a fan-out child")

        def contexts() -> Iterator[dict[str, Any]]:
            for record, parent_context in parents:
                context = fan.child_context(record, parent_context)
                if context is None:
                    log.warning(
                        "%s: parent %s record lacks %s; skipped",
                        endpoint.name,
                        fan.parent,
                        list(fan.pass_down),
                    )
                    continue
                yield context

        def fetch(context: dict[str, Any]) -> Iterator[Page]:
            path_params, query = fan.request_parts(context)
            return self.iter_pages(
                endpoint,
                params={**query, **(params or {})},
                path_params=path_params,
                parent=context,
                stop_when=stop_when(context) if stop_when else None,
            )

        return self.map_parents(fetch, contexts())

    def map_parents(self, fetch: Callable[[Any], Iterable[Page]], items: Iterable[Any]) -> Iterator[Page]:
        """Run `fetch(item)` for every item on `concurrency` threads, yielding pages as they arrive.

        A bounded queue gives back-pressure; the first error stops the other workers and is re-raised.
        """
        workers = self.settings.concurrency
        results: queue.Queue[object] = queue.Queue(maxsize=workers * 2)
        stop = threading.Event()
        done = object()

        def put(item: object) -> bool:
            while not stop.is_set():
                try:
                    results.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def run(item: Any) -> None:
            try:
                if stop.is_set():
                    return
                for page in fetch(item):
                    if not put(page):
                        return
            except BaseException as exc:
                put(_Failure(exc))
            finally:
                put(done)

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="domino-fanout")
        try:
            pending = sum(1 for _ in (pool.submit(run, item) for item in items))
            while pending:
                item = results.get()
                if item is done:
                    pending -= 1
                elif isinstance(item, _Failure):
                    raise item.error
                else:
                    yield item  # type: ignore[misc]
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Failure:
    error: BaseException
