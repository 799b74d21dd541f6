"""Domino REST client and endpoint catalogue: HTTP and Domino's API only (no Dagster, no DuckDB)."""

from pipeline.domino.catalogue import CATALOGUE, ENDPOINTS, Endpoint, FanOut, endpoint
from pipeline.domino.client import ClientStats, DominoClient, Page
from pipeline.domino.enums import normalize_enum
from pipeline.domino.errors import (
    DominoApiError,
    DominoConfigError,
    DominoError,
    EnvelopeError,
    PagingError,
)
from pipeline.domino.settings import DominoSettings, Secret
from pipeline.domino.windows import DailyWindow, WindowRequest, window_request

__all__ = [
    "CATALOGUE",
    "ENDPOINTS",
    "ClientStats",
    "DailyWindow",
    "DominoApiError",
    "DominoClient",
    "DominoConfigError",
    "DominoError",
    "DominoSettings",
    "Endpoint",
    "EnvelopeError",
    "FanOut",
    "Page",
    "PagingError",
    "Secret",
    "WindowRequest",
    "endpoint",
    "normalize_enum",
    "window_request",
]
