"""Domino's error bodies: `{"errors": [...], "requestId": ...}` (public API), `{"error": ...}` (cost
endpoints) and `{"message": ...}` (v4's `domino.api.ErrorResponse`)."""

from __future__ import annotations


class ApiError(Exception):
    """Raised by a handler to answer with an HTTP error; `style` picks the body Domino uses there."""

    def __init__(self, status: int, message: str, *, style: str = "errors") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.style = style

    def body(self, request_id: str) -> dict:
        if self.style == "error":
            return {"error": self.message}
        if self.style == "message":
            return {"message": self.message}
        return {"errors": [self.message], "requestId": request_id}


def bad_request(message: str, *, style: str = "errors") -> ApiError:
    return ApiError(400, message, style=style)


def not_found(kind: str, key: str, *, style: str = "errors") -> ApiError:
    return ApiError(404, f"{kind} {key!r} not found", style=style)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)
