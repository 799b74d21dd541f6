"""Which failures are retried and how long to wait: exponential backoff with jitter, honouring Retry-After.

Retries stop at `max_attempts` or when the next sleep would push the total wait past `max_total_wait`.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import tenacity

from pipeline.domino.errors import TransientResponseError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Failures where the request may have reached the server (unsafe to repeat a non-idempotent POST).
_AFTER_SEND_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    TransientResponseError,
)
# Failures where the request never left the client.
_BEFORE_SEND_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (moment - current).total_seconds())


def is_retryable(exc: BaseException, *, idempotent: bool = True) -> bool:
    """True for transient failures. A non-idempotent request is only retried when it surely did nothing:
    it never left the client, or Domino turned it away with 429 before acting on it."""
    if isinstance(exc, _BEFORE_SEND_ERRORS):
        return True
    if isinstance(exc, TransientResponseError) and exc.status == 429:
        return True
    return idempotent and isinstance(exc, _AFTER_SEND_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    max_total_wait: float = 120.0
    initial: float = 0.5
    maximum: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given (1-based) failed attempt."""
        ceiling = min(self.maximum, self.initial * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after) + random.uniform(0, min(0.25, self.initial))
        return self.backoff(state.attempt_number)

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        return state.idle_for + (state.upcoming_sleep or 0.0) > self.max_total_wait

    def retrying(self, *, idempotent: bool = True, sleep=time.sleep) -> tenacity.Retrying:
        """A tenacity `Retrying` that re-raises the last error when it gives up."""
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: is_retryable(e, idempotent=idempotent)),
            wait=self._wait,
            stop=self._stop,
            reraise=True,
            sleep=sleep,
        )
