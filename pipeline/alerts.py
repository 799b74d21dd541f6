"""Alerts: what the sensors tell people. Every alert goes to the Dagster log (the sensor's tick in the UI and
the daemon's log); when `DOMINO_ALERT_WEBHOOK_URL` is set it is also POSTed there as JSON (Slack-compatible:
a `text` field plus the structured alert). A webhook that fails is logged, never fatal: the alert stays in
the UI and logs."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

WEBHOOK_VARIABLE = "DOMINO_ALERT_WEBHOOK_URL"


@dataclass(frozen=True)
class Alert:
    kind: str
    """`run_failure`, `budget` or `untagged_spend`."""
    title: str
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        facts = ", ".join(f"{k}={v}" for k, v in self.details.items())
        return f"[domino-cost-audit] {self.title}" + (f" ({facts})" if facts else "")


def send(alert: Alert, log: logging.Logger | Any) -> bool:
    """Log `alert`, and POST it to the webhook when one is configured; returns whether the webhook took it."""
    log.warning(alert.text())
    url = os.environ.get(WEBHOOK_VARIABLE, "").strip()
    if not url:
        return False
    try:
        response = httpx.post(url, json={"text": alert.text(), **asdict(alert)}, timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as error:
        log.error(f"alert webhook failed ({type(error).__name__}); the alert is in this log only")
        return False
    return True
