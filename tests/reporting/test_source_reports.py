"""Job, tier, anomaly, always-on, rightsizing, audit and inventory reports against the simulator's truth;
report logic that needs a situation the world lacks is shown on a planted copy of the warehouse."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.reporting import build_models, load_models
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")
DAY_S = 86_400
WASTE = ("Failed", "Stopped", "Error")
WORKLOAD_BATCH, WORKLOAD_WORKSPACE = 0, 1


@contextmanager
def planted(reports: Reports, tmp_path: Path, *statements: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the warehouse with `statements` applied to its raw tables and every model rebuilt."""
    copy = tmp_path / "planted.duckdb"
    shutil.copy(reports.duckdb_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for statement in statements:
            con.execute(statement)
        build_models(con, load_models())
        yield con


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[tuple]:
    return con.execute(query, params or []).fetchall()


def world_jobs(reports: Reports) -> list[dict]:
    world = reports.world
    return [j for p in world.collections["projects"] for j in world.jobs_page(p, 0, world.job_count(p))]


# --- job_costs ------------------------------------------------------------------------------------------


def test_job_costs_equal_the_simulators_per_run_cost(reports: Reports) -> None:
    truth = reports.world.run_costs()
    jobs = {j["id"]: j for j in world_jobs(reports)}
    landed = {
        job_id: (cost, source, status, waste, tier)
        for job_id, cost, source, status, waste, tier in reports.sql(
            "SELECT job_id, cost_usd, cost_source, status, waste_usd, hardware_tier_id "
            "FROM reporting.job_costs"
        )
    }
    assert landed.keys() == jobs.keys()
    assert {source for _, source, *_ in landed.values()} == {"run_record"}
    for job_id, (cost, _, status, waste, tier) in landed.items():
        assert float(cost) == pytest.approx(truth[job_id], abs=1e-6), job_id
        assert status == jobs[job_id]["status"]["executionStatus"]
        assert float(waste) == (float(cost) if status in WASTE else 0.0)
        assert tier == jobs[job_id]["hardwareTierId"]
    wasted = sum(truth[j] for j, job in jobs.items() if job["status"]["executionStatus"] in WASTE)
    assert float(reports.scalar("SELECT sum(waste_usd) FROM reporting.job_costs")) == pytest.approx(
        wasted, abs=1e-4
    )
    assert wasted > 0
    assert reports.scalar("SELECT typeof(cost_usd) FROM reporting.job_costs LIMIT 1") == "DECIMAL(18,6)"


def test_job_cost_falls_back_to_tier_price_without_a_run_record(reports: Reports, tmp_path: Path) -> None:
    """A job whose run record is missing is priced run minutes x its tier's centsPerMinute (the tier known
    from a seed-form job record); one with neither a run record nor a tier has no cost, and says so."""
    truth = reports.world.run_costs()
    finished = [j for j in world_jobs(reports) if j["stageTimes"]["completedTime"]][:2]
    priced, unknown = finished
    with planted(
        reports,
        tmp_path,
        f"DELETE FROM raw.runs WHERE run_id IN ('{priced['id']}', '{unknown['id']}')",
        f"UPDATE raw.jobs SET hardware_tier_id = '{priced['hardwareTierId']}' WHERE id = '{priced['id']}'",
    ) as con:
        got = dict(
            (job_id, (cost, source))
            for job_id, cost, source in rows(
                con, "SELECT job_id, cost_usd, cost_source FROM reporting.job_costs"
            )
        )
    assert got[priced["id"]][1] == "tier_price"
    assert float(got[priced["id"]][0]) == pytest.approx(truth[priced["id"]], abs=1e-5)
    assert got[unknown["id"]] == (None, None)


# --- hardware_tier_usage --------------------------------------------------------------------------------


def test_hardware_tier_usage_is_run_hours_and_cost_per_tier_and_day(reports: Reports) -> None:
    world = reports.world
    executions = world.executions_table()
    tiers = list(world.collections["hardware_tiers"].values())
    origin = int(world.start.timestamp())
    hours: dict[tuple[str, str], float] = defaultdict(float)
    cost: dict[tuple[str, str], float] = defaultdict(float)
    for wtype, tier, start, end in zip(
        executions["workload_type"],
        executions["tier"],
        executions["start_s"],
        executions["end_s"],
        strict=True,
    ):
        if wtype not in (WORKLOAD_BATCH, WORKLOAD_WORKSPACE) or end <= start:
            continue
        for day in range((start - origin) // DAY_S, (end - 1 - origin) // DAY_S + 1):
            lo, hi = max(start, origin + day * DAY_S), min(end, origin + (day + 1) * DAY_S)
            key = ((world.start + timedelta(days=int(day))).strftime("%Y-%m-%d"), tiers[tier]["id"])
            hours[key] += (hi - lo) / 3600
            cost[key] += (hi - lo) / 60 * tiers[tier]["centsPerMinute"] / 100
    landed = reports.sql(
        "SELECT strftime(day, '%Y-%m-%d'), hardware_tier_id, sum(run_hours), sum(gpu_hours), sum(cost_usd) "
        "FROM reporting.hardware_tier_usage GROUP BY 1, 2"
    )
    assert {(d, t) for d, t, *_ in landed} == set(hours)
    gpus = {t["id"]: (t["gpuConfiguration"] or {}).get("numberOfGpus", 0) for t in tiers}
    for day, tier, run_hours, gpu_hours, usd in landed:
        assert run_hours == pytest.approx(hours[day, tier], abs=1e-4), (day, tier)
        assert gpu_hours == pytest.approx(hours[day, tier] * gpus[tier], abs=1e-4)
        assert float(usd) == pytest.approx(cost[day, tier], abs=1e-4), (day, tier)
    assert any(g > 0 for *_, g, _ in landed)


# --- cost_anomalies -------------------------------------------------------------------------------------


def test_the_planted_cost_spike_is_the_top_anomaly(reports: Reports) -> None:
    spike = reports.world.truth()["planted"]["cost_spike"]
    top = reports.sql(
        "SELECT strftime(day, '%Y-%m-%d'), project_id, jump_usd, robust_z FROM reporting.cost_anomalies "
        "ORDER BY jump_usd DESC"
    )
    assert top[0][:2] == (spike["day"], spike["project_id"])
    assert float(top[0][2]) > 1000 and top[0][3] > 3.5
    assert all(float(jump) < float(top[0][2]) / 5 for _, _, jump, _ in top[1:])


def test_cost_anomalies_rebuild_one_day_incrementally(reports: Reports) -> None:
    day = datetime.fromisoformat(reports.world.truth()["planted"]["cost_spike"]["day"]).date()
    before = reports.sql("SELECT * FROM reporting.cost_anomalies ORDER BY day, project_id")
    result = reports.materialize(day, day + timedelta(days=1))
    assert result.success
    modes = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata["mode"].value
        for e in result.get_asset_materialization_events()
    }
    assert modes["reporting/cost_anomalies"] == "incremental"
    assert reports.sql("SELECT * FROM reporting.cost_anomalies ORDER BY day, project_id") == before


# --- audit ----------------------------------------------------------------------------------------------


def test_audit_daily_activity_counts_every_event(reports: Reports) -> None:
    per_day = dict(
        reports.sql(
            "SELECT strftime(day, '%Y-%m-%d'), sum(events) FROM reporting.audit_daily_activity GROUP BY 1"
        )
    )
    assert per_day == reports.world.truth()["audit_events_per_day"]
    events, _ = reports.world.audit_events(None, None, event="Start Job", limit=100_000)
    by_actor = Counter(e["actor"]["id"] for e in events)
    assert dict(
        reports.sql(
            "SELECT actor_id, sum(events) FROM reporting.audit_daily_activity "
            "WHERE event_name = 'Start Job' GROUP BY 1"
        )
    ) == dict(by_actor)


def test_the_planted_privileged_action_appears_with_before_and_after(reports: Reports) -> None:
    planted_action = reports.world.truth()["planted"]["privileged_action"]
    found = reports.sql(
        "SELECT category, actor_id, entity_id, field_name, before_value, after_value, epoch_ms(event_at) "
        "FROM reporting.privileged_actions WHERE event_name = ?",
        [planted_action["event"]],
    )
    assert found == [
        (
            "access",
            planted_action["actor_id"],
            planted_action["target_id"],
            planted_action["field"],
            planted_action["before"],
            planted_action["after"],
            planted_action["timestamp"],
        )
    ]
    categories = dict(
        reports.sql("SELECT event_name, any_value(category) FROM reporting.privileged_actions GROUP BY 1")
    )
    assert categories["Change Billing Tag Settings"] == "billing"
    assert categories["Add Grant For Dataset"] == "access"
    assert "View File" not in categories and "Start Job" not in categories


def test_data_access_counts_data_source_and_dataset_use(reports: Reports) -> None:
    world = reports.world
    sources = Counter((e["performedBy"], e["dataSourceId"], e["eventKind"]) for e in world.data_source_audit)
    landed = reports.sql(
        "SELECT user_id, resource_id, action, sum(accesses) FROM reporting.data_access "
        "WHERE resource_type = 'data_source' GROUP BY 1, 2, 3"
    )
    assert {(u, r, a): n for u, r, a, n in landed} == dict(sources)
    events, _ = world.audit_events(None, None, target_type="dataset", limit=100_000)
    assert reports.scalar(
        "SELECT sum(accesses) FROM reporting.data_access WHERE resource_type = 'dataset'"
    ) == len(events)


def test_user_activity_counts_events_jobs_and_spend_per_user(reports: Reports) -> None:
    world = reports.world
    events, _ = world.audit_events(None, None, limit=1_000_000)
    jobs = Counter(j["startedById"] for j in world_jobs(reports))
    landed = {
        u: (e, j, float(s))
        for u, e, j, s in reports.sql("SELECT user_id, events, jobs, spend_usd FROM reporting.user_activity")
    }
    assert {u: e for u, (e, _, _) in landed.items() if e} == dict(Counter(e["actor"]["id"] for e in events))
    assert {u: j for u, (_, j, _) in landed.items() if j} == dict(jobs)
    assert sum(s for *_, s in landed.values()) == pytest.approx(sum(world.run_costs().values()), abs=1e-3)
    assert reports.scalar("SELECT count(*) FROM reporting.user_activity WHERE is_inactive_owner") == 0


def test_a_user_gone_quiet_who_still_owns_a_running_app_is_flagged(reports: Reports, tmp_path: Path) -> None:
    owner = reports.scalar(
        "SELECT owner_id FROM reporting.always_on_resources WHERE resource_type = 'app' "
        "ORDER BY resource_id LIMIT 1"
    )
    quiet_since = reports.world.end - timedelta(days=40)
    with planted(
        reports,
        tmp_path,
        f"DELETE FROM raw.audit_events WHERE actor_id = '{owner}' AND event_time >= '{quiet_since}'",
        f"DELETE FROM raw.jobs WHERE started_by_id = '{owner}' AND submission_time >= '{quiet_since}'",
        f"DELETE FROM raw.runs WHERE user_id = '{owner}' AND queued_time >= '{quiet_since}'",
    ) as con:
        flagged = rows(
            con,
            "SELECT user_id, days_inactive, running_resources FROM reporting.user_activity "
            "WHERE is_inactive_owner",
        )
    assert [u for u, *_ in flagged] == [owner]
    assert flagged[0][1] >= 39 and flagged[0][2] >= 1


# --- always-on and rightsizing --------------------------------------------------------------------------


def test_always_on_resources_are_the_running_apps_model_apis_and_deployments(reports: Reports) -> None:
    c = reports.world.collections
    tiers = c["hardware_tiers"]
    expected = {
        ("app", a["id"]): tiers[a["currentVersion"]["hardwareTierId"]]["centsPerMinute"] * 60 / 100
        for a in c["apps"].values()
        if a["currentVersion"]["currentInstance"]["status"] == "Running"
    }
    expected |= {
        ("model_api", m["id"]): tiers[m["hardwareTierId"]]["centsPerMinute"] * 60 / 100 * m["replicas"]
        for m in c["model_apis"].values()
        if not m["isArchived"] and m["activeVersion"]["deployment"]["status"] == "Running"
    }
    expected |= {
        ("model_deployment", d["id"]): None
        for d in c["model_deployments"].values()
        if d["status"] == "Running"
    }
    landed = {
        (t, r): (None if h is None else float(h), days)
        for t, r, h, days in reports.sql(
            "SELECT resource_type, resource_id, hourly_cost_usd, days_running "
            "FROM reporting.always_on_resources"
        )
    }
    assert landed.keys() == expected.keys()
    assert {t for t, _ in expected} == {"app", "model_api", "model_deployment"}
    for key, hourly in expected.items():
        assert landed[key][0] == (None if hourly is None else pytest.approx(hourly)), key
    assert all(days > 0 for _, days in landed.values())


def test_rightsizing_recommends_the_cheapest_tier_that_fits_at_70_percent(reports: Reports) -> None:
    tiers = [t for t in reports.world.collections["hardware_tiers"].values() if not t["flags"]["isArchived"]]
    recommendations = reports.sql(
        "SELECT hardware_tier_id, peak_cpu_cores, peak_memory_gib, recommended_tier_id, target_utilisation, "
        "monthly_saving_usd FROM reporting.rightsizing WHERE resource_type = 'job'"
    )
    assert recommendations
    by_id = {t["id"]: t for t in reports.world.collections["hardware_tiers"].values()}

    def gpus(tier: dict) -> int:
        return (tier["gpuConfiguration"] or {}).get("numberOfGpus", 0)

    for current, cores, memory, recommended, target, saving in recommendations:
        assert target == 0.7 and float(saving) > 0
        fitting = [
            t
            for t in tiers
            if gpus(t) == gpus(by_id[current])
            and t["flags"]["isModelApiTier"] == by_id[current]["flags"]["isModelApiTier"]
            and t["resources"]["cores"] >= cores / 0.7 - 1e-3
            and t["resources"]["memory"]["value"] >= memory / 0.7 - 1e-3
        ]
        assert min(fitting, key=lambda t: t["centsPerMinute"])["id"] == recommended
        assert by_id[recommended]["centsPerMinute"] < by_id[current]["centsPerMinute"]


def test_an_over_provisioned_app_gets_a_smaller_tier_and_its_monthly_saving(
    reports: Reports, tmp_path: Path
) -> None:
    app_id = reports.scalar(
        "SELECT resource_id FROM reporting.always_on_resources WHERE resource_type = 'app' ORDER BY 1 LIMIT 1"
    )
    with planted(
        reports, tmp_path, f"UPDATE raw.apps SET hardware_tier_id = 'xlarge-k8s' WHERE id = '{app_id}'"
    ) as con:
        found = rows(
            con,
            "SELECT recommended_tier_id, monthly_saving_usd, cpu_utilisation FROM reporting.rightsizing "
            "WHERE resource_type = 'app' AND resource_id = ?",
            [app_id],
        )
    ((recommended, saving, utilisation),) = found
    tiers = reports.world.collections["hardware_tiers"]
    assert utilisation < 0.35
    assert float(saving) == pytest.approx(
        730 * (tiers["xlarge-k8s"]["centsPerMinute"] - tiers[recommended]["centsPerMinute"]) * 60 / 100
    )


# --- resource_inventory ---------------------------------------------------------------------------------

INVENTORY = {
    "project": "projects",
    "user": "users",
    "organization": "organizations",
    "hardware_tier": "hardware_tiers",
    "environment": "environments",
    "dataset": "datasets",
    "app": "apps",
    "model_api": "model_apis",
    "model_deployment": "model_deployments",
    "registered_model": "registered_models",
    "data_source": "data_sources",
    "ai_gateway_endpoint": "ai_gateway_endpoints",
    "service_account": "service_accounts",
    "deployment_target": "deployment_targets",
}


def test_resource_inventory_lists_every_resource_of_every_area(reports: Reports) -> None:
    c = reports.world.collections
    current = dict(
        reports.sql(
            "SELECT resource_type, count(*) FROM reporting.resource_inventory WHERE is_current GROUP BY 1"
        )
    )
    for kind, collection in INVENTORY.items():
        assert current.pop(kind) == len(c[collection]), kind
    assert current == {"billing_tag": sum(t["active"] for t in c["billing_tags"].values())}
    app = next(iter(c["apps"].values()))
    assert reports.sql(
        "SELECT project_id, owner_id, hardware_tier_id, status FROM reporting.resource_inventory "
        "WHERE resource_type = 'app' AND resource_id = ?",
        [app["id"]],
    ) == [
        (
            app["project"]["id"],
            app["publisher"]["id"],
            app["currentVersion"]["hardwareTierId"],
            app["currentVersion"]["currentInstance"]["status"],
        )
    ]


def test_resource_inventory_keeps_the_daily_history(reports: Reports, tmp_path: Path) -> None:
    """An older snapshot that still listed a since-deleted project stays as history, not current."""
    today = reports.scalar("SELECT max(snapshot_date) FROM raw.projects_history")
    yesterday = today - timedelta(days=1)
    with planted(
        reports,
        tmp_path,
        f"INSERT INTO raw.projects_history BY NAME SELECT * REPLACE (DATE '{yesterday}' AS snapshot_date) "
        f"FROM raw.projects_history WHERE snapshot_date = DATE '{today}'",
        f"INSERT INTO raw.projects_history BY NAME SELECT * REPLACE (DATE '{yesterday}' AS snapshot_date, "
        f"'deleted-project' AS id, 'gone' AS name) FROM raw.projects_history "
        f"WHERE snapshot_date = DATE '{today}' LIMIT 1",
    ) as con:
        history = rows(
            con,
            "SELECT snapshot_date, count(*), count(*) FILTER (WHERE is_current) "
            "FROM reporting.resource_inventory "
            "WHERE resource_type = 'project' GROUP BY 1 ORDER BY 1",
        )
        gone = rows(
            con,
            "SELECT is_current, first_seen_date FROM reporting.resource_inventory "
            "WHERE resource_id = 'deleted-project'",
        )
    projects = len(reports.world.collections["projects"])
    assert history == [(yesterday, projects + 1, 0), (today, projects, projects)]
    assert gone == [(False, yesterday)]
