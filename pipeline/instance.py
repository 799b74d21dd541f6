"""Named concurrency-pool limits of the Dagster instance (`python -m pipeline.instance` applies them).

DuckDB allows one writing process, so the pool every DuckDB-writing asset sits in is limited to one
step at a time across all runs. dagster.yaml can only set a default for every pool, so the limit is
set on the instance by name, idempotently, wherever an instance is started (`make dev`, tests).
"""

from __future__ import annotations

import dagster as dg

from pipeline.defs.extract import POOL

POOL_LIMITS = {POOL: 1}


def apply_pool_limits(instance: dg.DagsterInstance) -> dict[str, int]:
    """Set every pool in `POOL_LIMITS` to its limit; returns the pools that changed."""
    storage = instance.event_log_storage
    changed = {}
    for pool, limit in POOL_LIMITS.items():
        if storage.get_concurrency_info(pool).slot_count != limit:
            storage.set_concurrency_slots(pool, limit)
            changed[pool] = limit
    return changed


def main() -> None:
    with dg.DagsterInstance.get() as instance:
        changed = apply_pool_limits(instance)
    for pool, limit in POOL_LIMITS.items():
        print(f"pool {pool}: limit {limit}{' (set now)' if pool in changed else ''}")


if __name__ == "__main__":
    main()
