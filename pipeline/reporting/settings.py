"""Settings the SQL models read as DuckDB variables (`getvariable('<name>')`), taken from `DOMINO_*`
environment variables: the chargeback rule, the budget alert thresholds, the rightsizing target.
A model may only read the variables named in `VARIABLES` (a typo fails when the model is parsed)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

CHARGEBACK_RULES = ("proportional", "even")
DEFAULT_THRESHOLDS = "0.5,0.75,0.9,1.0"
"""Domino's Cost Center alerts at 75% and 100% of a budget; we add 50% and 90% by default."""


class SettingError(ValueError):
    """A `DOMINO_*` setting that cannot be used; the message names the variable and what it accepts."""


def chargeback_rule(env: Mapping[str, str]) -> str:
    value = (env.get("DOMINO_CHARGEBACK_RULE") or "proportional").strip().lower()
    if value not in CHARGEBACK_RULES:
        raise SettingError(
            f"DOMINO_CHARGEBACK_RULE must be one of {', '.join(CHARGEBACK_RULES)}, not {value!r}"
        )
    return value


def alert_thresholds(env: Mapping[str, str]) -> list[float]:
    text = env.get("DOMINO_BUDGET_ALERT_THRESHOLDS") or DEFAULT_THRESHOLDS
    try:
        values = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise SettingError(
            f"DOMINO_BUDGET_ALERT_THRESHOLDS is a comma-separated list of budget shares (0.75,1.0): {error}"
        ) from None
    if not values or any(v <= 0 for v in values):
        raise SettingError("DOMINO_BUDGET_ALERT_THRESHOLDS needs at least one share above 0 (e.g. 0.75,1.0)")
    return values


def rightsizing_target(env: Mapping[str, str]) -> float:
    text = env.get("DOMINO_RIGHTSIZING_TARGET") or "0.7"
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise SettingError(f"DOMINO_RIGHTSIZING_TARGET is a utilisation share in (0, 1], not {text!r}")
    return value


def memory_limit(env: Mapping[str, str] | None = None) -> str:
    """DuckDB's memory limit while models build (`DOMINO_REPORTS_MEMORY_LIMIT`, default 1GB): a full rebuild
    of a year of allocation sorts and windows more than the raw loads' small limit allows."""
    env = os.environ if env is None else env
    value = (env.get("DOMINO_REPORTS_MEMORY_LIMIT") or "1GB").strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, flags=re.IGNORECASE):
        raise SettingError(
            f"DOMINO_REPORTS_MEMORY_LIMIT is a DuckDB memory size such as 512MB or 2GB, not {value!r}"
        )
    return value


def model_variables(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """The variables every model build sets (besides the partition window)."""
    env = os.environ if env is None else env
    return {
        "chargeback_rule": chargeback_rule(env),
        "budget_alert_thresholds": alert_thresholds(env),
        "rightsizing_target": rightsizing_target(env),
    }


VARIABLES = (
    "partition_start",
    "partition_end",
    "chargeback_rule",
    "budget_alert_thresholds",
    "rightsizing_target",
)
"""Every name a model may pass to getvariable()."""
