"""Alerts reach the log always and the webhook when configured (only ever a loopback one here); a failing
webhook is logged, not fatal; a failed run raises an alert naming its run and failed step, unless it is
about to be retried."""

from __future__ import annotations

import logging
from collections.abc import Callable

import dagster as dg
import pytest

from pipeline.alerts import Alert, send
from pipeline.definitions import defs
from pipeline.defs.sensors import run_failure_alert
from tests.e2e.conftest import PipelineUnderTest
from tests.ops.webhook import webhook_receiver


def test_an_alert_goes_to_the_log_and_to_a_configured_webhook(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("alerts-test")
    alert = Alert("budget", "forecast passes the budget", {"project": "p1", "forecast_usd": 120.5})
    monkeypatch.delenv("DOMINO_ALERT_WEBHOOK_URL", raising=False)
    with caplog.at_level(logging.WARNING):
        assert send(alert, log) is False
    assert "forecast passes the budget (project=p1, forecast_usd=120.5)" in caplog.text
    with webhook_receiver() as hook:
        monkeypatch.setenv("DOMINO_ALERT_WEBHOOK_URL", hook.url)
        assert send(alert, log) is True
    assert hook.received == [
        {
            "text": alert.text(),
            "kind": "budget",
            "title": "forecast passes the budget",
            "details": {"project": "p1", "forecast_usd": 120.5},
        }
    ]


def test_a_failing_webhook_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with webhook_receiver(status=500) as hook:
        monkeypatch.setenv("DOMINO_ALERT_WEBHOOK_URL", hook.url + "?token=s3cr3t")
        with caplog.at_level(logging.WARNING):
            assert send(Alert("run_failure", "run failed"), logging.getLogger("alerts-test")) is False
    assert len(hook.received) == 1
    assert "alert webhook failed (HTTPStatusError)" in caplog.text
    assert "s3cr3t" not in caplog.text, "the webhook URL (it may carry a token) is never logged"


def failure_context(instance: dg.DagsterInstance, run_id: str) -> dg.RunFailureSensorContext:
    (failure,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=failure.dagster_event,  # type: ignore[arg-type]
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()


def test_a_failed_run_raises_an_alert_with_its_run_and_step(
    pipeline_for: Callable[..., PipelineUnderTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline_for()
    monkeypatch.setenv("DOMINO_USER_API_KEY", "not-a-valid-key")  # Domino answers 401: the step fails
    monkeypatch.setenv("DOMINO_MAX_ATTEMPTS", "1")
    instance = dg.DagsterInstance.ephemeral()
    result = (
        defs()
        .resolve_job_def("domino_inventory")
        .execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey(["raw", "organizations"])], raise_on_error=False
        )
    )
    assert not result.success
    with webhook_receiver() as hook:
        monkeypatch.setenv("DOMINO_ALERT_WEBHOOK_URL", hook.url)
        run_failure_alert(failure_context(instance, result.run_id))
        (alert,) = hook.received
        assert alert["kind"] == "run_failure"
        assert alert["details"]["run_id"] == result.run_id
        assert alert["details"]["failed_steps"] == "extract_organizations"
        assert "not-a-valid-key" not in str(alert)

        instance.add_run_tags(result.run_id, {"dagster/will_retry": "true"})
        run_failure_alert(failure_context(instance, result.run_id))
        assert len(hook.received) == 1, "no alert for a run about to be retried"
