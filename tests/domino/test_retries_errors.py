"""Retries, error messages and secret hygiene, over real HTTP."""

from __future__ import annotations

import logging
import socket
import time
from email.utils import formatdate

import pytest

from pipeline.domino import CATALOGUE, DominoApiError, DominoClient

from .conftest import API_KEY, FakeDomino, Reply, make_settings

HWT = "/api/hardwaretiers/v1/hardwaretiers"
OK = Reply(body={"hardwareTiers": [{"id": "small-k8s"}], "metadata": {"offset": 0, "limit": 100}})


def fetch_tiers(client: DominoClient) -> list[dict]:
    return [r for p in client.iter_pages(CATALOGUE["hardware_tiers"]) for r in p.records]


def test_429_with_retry_after_seconds_is_honoured(fake: FakeDomino, client: DominoClient):
    fake.script(HWT, [Reply(429, {"errors": ["slow down"], "requestId": "r1"}, {"Retry-After": "1"})])
    fake.route(HWT, lambda seen: OK)
    started = time.monotonic()
    assert fetch_tiers(client) == [{"id": "small-k8s"}]
    assert time.monotonic() - started >= 1.0
    assert client.stats.retries == 1 and client.stats.requests == 2


def test_retry_after_http_date_is_honoured(fake: FakeDomino, client: DominoClient):
    fake.script(HWT, [Reply(503, b"", {"Retry-After": formatdate(time.time() + 2, usegmt=True)})])
    fake.route(HWT, lambda seen: OK)
    started = time.monotonic()
    assert fetch_tiers(client) == [{"id": "small-k8s"}]
    assert time.monotonic() - started >= 0.5  # the date has one-second resolution: waits 1-2 s


@pytest.mark.parametrize(
    "fault",
    [
        Reply(503, {"errors": ["unavailable"]}),
        Reply(502, b"<html>bad gateway</html>"),
        Reply(fault="drop"),
        Reply(fault="short"),
        Reply(200, b'{"hardwareTiers": [{"id": "sma'),
    ],
    ids=["503", "502-html", "dropped-connection", "short-body", "truncated-json"],
)
def test_transient_failures_are_retried(fake: FakeDomino, client: DominoClient, fault: Reply):
    fake.script(HWT, [fault, fault])
    fake.route(HWT, lambda seen: OK)
    assert fetch_tiers(client) == [{"id": "small-k8s"}]
    assert len(fake.requests_to(HWT)) == 3
    assert client.stats.retries == 2


def test_read_timeout_is_retried(fake: FakeDomino):
    fake.script(HWT, [Reply(delay=0.6, body=OK.body)])
    fake.route(HWT, lambda seen: OK)
    with DominoClient(make_settings(fake.url, timeout_seconds=0.3)) as client:
        assert fetch_tiers(client) == [{"id": "small-k8s"}]
    assert len(fake.requests_to(HWT)) == 2


def test_retries_give_up_after_max_attempts_with_a_clear_error(fake: FakeDomino, client: DominoClient):
    fake.route(HWT, lambda seen: Reply(503, {"errors": ["still down"], "requestId": "req-503"}))
    with pytest.raises(DominoApiError) as caught:
        fetch_tiers(client)
    message = str(caught.value)
    assert "GET /api/hardwaretiers/v1/hardwaretiers" in message and "4 attempts" in message
    assert "HTTP 503" in message and "still down" in message and "req-503" in message
    assert len(fake.requests_to(HWT)) == 4


def test_retry_after_beyond_the_wait_budget_stops_at_once(fake: FakeDomino):
    fake.route(HWT, lambda seen: Reply(429, {"errors": ["quota"]}, {"Retry-After": "3600"}))
    with DominoClient(make_settings(fake.url, max_retry_wait_seconds=5)) as client:
        started = time.monotonic()
        with pytest.raises(DominoApiError, match="HTTP 429"):
            fetch_tiers(client)
        assert time.monotonic() - started < 1.0
    assert len(fake.requests_to(HWT)) == 1


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {"errors": ["abc is not a valid ID"], "requestId": "req-400"},
            ["abc is not a valid ID", "req-400"],
        ),
        (401, {"errors": ["Unauthorized"], "requestId": "req-401"}, ["Unauthorized", "req-401"]),
        (403, {"errors": ["Forbidden: ViewHardwareTiers"], "requestId": "r"}, ["ViewHardwareTiers"]),
        (404, {"error": "no such tier"}, ["no such tier"]),
        (409, b"Temporary credentials expired", ["Temporary credentials expired"]),
    ],
)
def test_client_errors_fail_at_once(fake: FakeDomino, client: DominoClient, status, body, expected):
    fake.route(HWT, lambda seen: Reply(status, body))
    with pytest.raises(DominoApiError) as caught:
        fetch_tiers(client)
    assert caught.value.status == status
    message = str(caught.value)
    assert f"GET {HWT} failed: HTTP {status}" in message
    assert all(text in message for text in expected)
    assert len(fake.requests_to(HWT)) == 1


def test_post_is_not_retried_once_sent_but_put_is(fake: FakeDomino, client: DominoClient):
    fake.route("/api/cost/v1/billingtags", lambda seen: Reply(503, {"errors": ["down"]}))
    with pytest.raises(DominoApiError, match="POST /api/cost/v1/billingtags failed: HTTP 503"):
        client.request("POST", "/api/cost/v1/billingtags", json={"billingTags": ["CC-1"]})
    assert len(fake.requests_to("/api/cost/v1/billingtags")) == 1
    assert fake.requests_to("/api/cost/v1/billingtags")[0].body == b'{"billingTags":["CC-1"]}'

    fake.script("/api/cost/v1/billingtagSettings", [Reply(503, {"errors": ["down"]})])
    fake.route("/api/cost/v1/billingtagSettings", lambda seen: Reply(body={"mode": "optional"}))
    assert client.request("PUT", "/api/cost/v1/billingtagSettings", json={"mode": "optional"}) == {
        "mode": "optional"
    }
    assert len(fake.requests_to("/api/cost/v1/billingtagSettings")) == 2


def test_a_write_turned_away_with_429_is_retried_even_when_not_idempotent(
    fake: FakeDomino, client: DominoClient
):
    fake.script("/api/cost/v1/billingtags", [Reply(429, {"errors": ["slow down"]}, {"Retry-After": "0"})])
    fake.route("/api/cost/v1/billingtags", lambda seen: Reply(body={"billingTags": [{"tag": "CC-1"}]}))
    body = client.request("PUT", "/api/cost/v1/billingtags", json={"billingTags": ["CC-1"]}, idempotent=False)
    assert body == {"billingTags": [{"tag": "CC-1"}]}
    assert len(fake.requests_to("/api/cost/v1/billingtags")) == 2
    fake.script("/api/cost/v1/billingtags", [Reply(502, {"errors": ["gateway"]})])
    with pytest.raises(DominoApiError, match="HTTP 502"):
        client.request("PUT", "/api/cost/v1/billingtags", json={"billingTags": ["CC-1"]}, idempotent=False)
    assert len(fake.requests_to("/api/cost/v1/billingtags")) == 3


def test_post_is_retried_when_the_connection_never_opened():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with DominoClient(make_settings(f"http://127.0.0.1:{port}", max_attempts=3)) as client:
        with pytest.raises(DominoApiError, match="after 3 attempts: no response: ConnectError"):
            client.request("POST", "/api/cost/v1/billingtags", json={"billingTags": ["x"]})
        assert client.stats.requests == 3


def test_secret_never_in_errors_or_logs(fake: FakeDomino, client: DominoClient, caplog):
    echo = {"errors": [f"bad key {API_KEY}"], "requestId": "req-echo"}
    fake.script(HWT, [Reply(503, echo)])
    fake.route(HWT, lambda seen: Reply(401, echo))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DominoApiError) as caught:
        fetch_tiers(client)
    assert fake.requests_to(HWT)[0].headers["x-domino-api-key"] == API_KEY  # it was really sent
    texts = [str(caught.value), repr(caught.value), caught.value.detail, repr(client), repr(client.settings)]
    texts += [r.getMessage() for r in caplog.records]
    assert any("retrying GET" in t for t in texts)  # the retry was logged...
    assert all(API_KEY not in t for t in texts)  # ...and nothing shows the key
    assert "bad key **********" in str(caught.value)
