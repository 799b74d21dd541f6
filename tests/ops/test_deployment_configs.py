"""The deployment examples are what Dagster accepts: the Postgres and Kubernetes instance files pass the
instance schema (and the K8sRunLauncher's own), and the k8s and Celery run configs validate against the jobs
once `DOMINO_DAGSTER_EXECUTOR` selects those executors. No cluster is needed to check any of it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster_k8s import K8sRunLauncher

from pipeline.definitions import defs
from pipeline.defs.executor import chosen_executor

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
PG_ENV = {
    "DAGSTER_PG_HOST": "pg.internal",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "not-a-secret",
    "DAGSTER_PG_DB": "dagster",
}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.fixture(autouse=True)
def pg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in PG_ENV.items():
        monkeypatch.setenv(variable, value)


def test_the_postgres_instance_differs_from_the_project_one_only_in_storage() -> None:
    local, postgres = load(ROOT / "dagster.yaml"), load(DEPLOY / "postgres" / "dagster.yaml")
    assert set(local.pop("storage")) == {"sqlite"}
    assert set(postgres.pop("storage")) == {"postgres"}
    local.pop("local_artifact_storage")
    assert postgres == local


@pytest.mark.parametrize("folder", ["postgres", "k8s"])
def test_instance_files_pass_dagsters_instance_schema(folder: str) -> None:
    config, _ = dagster_instance_config(str(DEPLOY / folder))
    assert config["storage"]["postgres"]["postgres_db"]["hostname"] == {"env": "DAGSTER_PG_HOST"}


def test_the_kubernetes_run_launcher_config_is_valid_and_a_wrong_one_is_not() -> None:
    launcher = load(DEPLOY / "k8s" / "dagster.yaml")["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert process_config(K8sRunLauncher.config_type(), launcher["config"]).success
    broken = {**launcher["config"], "job_namespce": "typo"}
    assert not process_config(K8sRunLauncher.config_type(), broken).success


@pytest.mark.parametrize(
    ("executor", "run_config", "executor_name"),
    [("k8s", "k8s/run_config.yaml", "k8s"), ("celery", "celery/run_config.yaml", "celery")],
)
def test_run_configs_validate_against_the_jobs_on_the_chosen_executor(
    monkeypatch: pytest.MonkeyPatch, executor: str, run_config: str, executor_name: str
) -> None:
    monkeypatch.setenv("DOMINO_DAGSTER_EXECUTOR", executor)
    monkeypatch.setenv("DAGSTER_CELERY_BROKER_URL", "pyamqp://guest@rabbitmq.internal//")
    definitions = defs()
    config = load(DEPLOY / run_config)
    for name in ("domino_cost_daily", "domino_inventory"):
        job = definitions.resolve_job_def(name)
        assert job.executor_def.name == executor_name
        assert dg.validate_run_config(job, config)
    wrong = {"execution": {"config": {**config["execution"]["config"], "no_such_option": 1}}}
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(definitions.resolve_job_def("domino_cost_daily"), wrong)


def test_the_default_executor_is_dagsters_and_an_unknown_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DOMINO_DAGSTER_EXECUTOR", raising=False)
    assert defs().resolve_job_def("domino_cost_daily").executor_def.name == "multi_or_in_process_executor"
    monkeypatch.setenv("DOMINO_DAGSTER_EXECUTOR", "spark")
    with pytest.raises(ValueError, match="DOMINO_DAGSTER_EXECUTOR must be k8s, celery or multiprocess"):
        chosen_executor()
    with pytest.raises(Exception, match=r"executor\.py \(error\)"):
        defs()
