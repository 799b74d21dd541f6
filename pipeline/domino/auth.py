"""Domino authentication as an httpx.Auth: API key header or Bearer token, token file re-read per request."""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from pathlib import Path

import httpx

from pipeline.domino.errors import DominoConfigError
from pipeline.domino.settings import DominoSettings, Secret

API_KEY_HEADER = "X-Domino-Api-Key"


class DominoAuth(httpx.Auth):
    """Adds one credential per request, in python-domino's order: token, token file, API key.

    A token file is read on every request because Domino rotates it underneath long-running jobs.
    """

    def __init__(
        self, *, api_key: Secret | None = None, api_token: Secret | None = None, token_file: str | None = None
    ) -> None:
        if api_key is None and api_token is None and token_file is None:
            raise DominoConfigError(
                "no Domino credential: set DOMINO_API_TOKEN, DOMINO_TOKEN_FILE or DOMINO_USER_API_KEY"
            )
        self._api_key = api_key
        self._api_token = api_token
        self._token_file = Path(token_file) if token_file else None

    @classmethod
    def from_settings(cls, settings: DominoSettings) -> DominoAuth:
        return cls(api_key=settings.api_key, api_token=settings.api_token, token_file=settings.token_file)

    def __repr__(self) -> str:
        kinds = [
            name
            for name, value in (
                ("token", self._api_token),
                ("token_file", self._token_file),
                ("api_key", self._api_key),
            )
            if value is not None
        ]
        return f"DominoAuth({', '.join(kinds)})"

    def current_secrets(self) -> tuple[str, ...]:
        """Secret values in use right now (for redaction of error texts)."""
        values = [s.reveal() for s in (self._api_key, self._api_token) if s is not None]
        if self._token_file is not None:
            with contextlib.suppress(OSError):
                values.append(self._token_file.read_text().strip())
        return tuple(v for v in values if v)

    def _read_token_file(self) -> str:
        assert self._token_file is not None
        try:
            token = self._token_file.read_text().strip()
        except OSError as exc:
            raise DominoConfigError(
                f"cannot read DOMINO_TOKEN_FILE {self._token_file}: {exc.strerror}"
            ) from None
        if not token:
            raise DominoConfigError(f"DOMINO_TOKEN_FILE {self._token_file} is empty")
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._api_token is not None:
            request.headers["Authorization"] = f"Bearer {self._api_token.reveal()}"
        elif self._token_file is not None:
            request.headers["Authorization"] = f"Bearer {self._read_token_file()}"
        else:
            assert self._api_key is not None
            request.headers[API_KEY_HEADER] = self._api_key.reveal()
        yield request
