"""Where a run's steps execute: Dagster's default (a process per step on this machine), or, past one machine,
Kubernetes (a pod per step, `dagster-k8s`) or Celery workers (`dagster-celery`), chosen by
`DOMINO_DAGSTER_EXECUTOR` and configured by run config (deploy/k8s, deploy/celery; docs/deployment.md).
"""

from __future__ import annotations

import os

import dagster as dg


def chosen_executor() -> dg.ExecutorDefinition | None:
    """The executor named by `DOMINO_DAGSTER_EXECUTOR` (`k8s`, `celery`), or None for Dagster's default."""
    name = os.environ.get("DOMINO_DAGSTER_EXECUTOR", "").strip().lower()
    if name in ("", "default", "multiprocess"):
        return None
    if name == "k8s":
        from dagster_k8s import k8s_job_executor  # installed where Kubernetes is used

        return k8s_job_executor
    if name == "celery":
        from dagster_celery import celery_executor  # installed where Celery is used

        return celery_executor
    raise ValueError(f"DOMINO_DAGSTER_EXECUTOR must be k8s, celery or multiprocess, got {name!r}")


@dg.definitions
def executor() -> dg.Definitions:
    chosen = chosen_executor()
    return dg.Definitions(executor=chosen) if chosen else dg.Definitions()
