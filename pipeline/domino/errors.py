"""Errors raised by the Domino client. Messages name the request, never the credential."""

from __future__ import annotations

from collections.abc import Iterable


class DominoError(Exception):
    """Base class for everything the Domino client raises."""


class DominoConfigError(DominoError):
    """The client settings are missing or invalid."""


class DominoApiError(DominoError):
    """Domino answered with an error status that retrying will not fix (or retries ran out)."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int | None,
        detail: str,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        self.request_id = request_id
        self.attempts = attempts
        status_text = f"HTTP {status}" if status is not None else "no response"
        rid = f" (requestId={request_id})" if request_id else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{method} {path} failed{tries}: {status_text}: {detail}{rid}")


class TransientResponseError(DominoError):
    """A response worth retrying: 429/5xx or a body that is not complete JSON."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        retry_after: float | None = None,
        request_id: str | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.request_id = request_id
        self.detail = detail or message


class EnvelopeError(DominoError):
    """A response body whose shape the client does not recognise."""


class PagingError(DominoError):
    """Paging went wrong, e.g. the server ignores `offset` and repeats the same page."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace any secret value that slipped into `text` (e.g. echoed by a server) with a mask."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "**********")
    return text
