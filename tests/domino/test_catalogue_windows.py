"""The catalogue is consistent data; windows build the documented request params."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.domino import CATALOGUE, ENDPOINTS, DailyWindow, normalize_enum, window_request
from pipeline.domino.catalogue import AREAS, fan_out_order
from pipeline.domino.enums import BILLING_TAG_MODES
from pipeline.tables import Column

from .conftest import make_settings

SECRET_BEARING = {
    "user_credentials",
    "service_account_tokens",
    "ai_gateway_endpoints",
    "data_sources",
    "deployment_targets",
}
SEED_PATHS = {  # every list/read path of the seed reference that lands as a table
    "/api/projects/beta/projects",
    "/api/projects/v1/projects/{projectId}/repositories",
    "/api/projects/v1/projects/{projectId}/goals",
    "/api/projects/v1/projects/{projectId}/shared-datasets",
    "/api/jobs/beta/jobs",
    "/api/jobs/v1/goals",
    "/api/datasetrw/v2/datasets",
    "/api/datasetrw/v1/datasets/{datasetId}/snapshots",
    "/api/datasetrw/v1/datasets/{datasetId}/grants",
    "/api/environments/beta/environments",
    "/api/modelServing/v1/modelApis",
    "/api/modelServing/v1/modelApis/{modelApiId}/versions",
    "/api/modelServing/v1/modelDeployments",
    "/api/registeredmodels/v2",
    "/api/registeredmodels/v1/{modelName}/versions",
    "/api/apps/beta/apps",
    "/api/apps/beta/apps/{appId}/versions",
    "/api/apps/beta/apps/{appId}/versions/{versionId}/instances",
    "/api/hardwaretiers/v1/hardwaretiers",
    "/api/datasource/v1/datasources",
    "/api/datasource/v1/audit",
    "/api/aigateway/v1/endpoints",
    "/api/aigateway/v1/endpoints/{endpointName}/permissions",
    "/api/aigateway/v1/audit",
    "/api/users/v1/self",
    "/api/users/v1/users",
    "/api/users/beta/credentials/{userId}",
    "/api/organizations/v1/organizations",
    "/api/serviceAccounts/v1/serviceAccounts",
    "/api/cost/v1/allocation",
    "/api/cost/v1/allocation/summary",
    "/api/cost/v1/asset",
    "/api/cost/v1/billingtags",
    "/api/cost/v1/billingtagSettings",
    "/api/cost/v1/billingtagSettings/mode",
    "/api/admin/v1/deploymentTargetTypes",
    "/api/admin/v1/deploymentTargets",
    "/api/admin/v1/deploymentTargets/{targetId}/resourceConfigurations",
}


def test_catalogue_covers_every_seed_read_path():
    paths = {e.path for e in ENDPOINTS}
    assert SEED_PATHS - paths == set()
    assert any(e.path.endswith("/tokens") for e in ENDPOINTS)
    assert {e.area for e in ENDPOINTS} == set(AREAS)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.name)
def test_endpoint_entry_is_consistent(ep):
    specs = (ep.table, *ep.child_tables)
    for spec in specs:
        names = [c.name for c in spec.columns] + list(spec.parent_columns)
        assert len(names) == len(set(names)), f"duplicate columns in {spec.name}"
        assert set(spec.key) <= set(names), f"{spec.name} key not among its columns"
        assert all(c.name == c.name.lower() and " " not in c.name for c in spec.columns)
    if ep.parent is not None:
        parent = CATALOGUE[ep.parent.parent]
        assert set(ep.table.parent_columns) <= set(ep.parent.pass_down) | set(parent.table.parent_columns)
        placeholders = {p.split("}")[0] for p in ep.path.split("{")[1:]}
        assert placeholders == set(ep.parent.path_params)
    assert (ep.table.transform == "strip_secrets") == (ep.name in SECRET_BEARING)
    assert fan_out_order().index(ep) >= (
        fan_out_order().index(CATALOGUE[ep.parent.parent]) if ep.parent else 0
    )


def test_contract_columns_of_key_tables():
    cost = CATALOGUE["cost_allocation"].table
    for name in (
        "workload_type",
        "project_id",
        "user_name",
        "billing_tag",
        "is_idle",
        "window_start",
        "pv_cost",
        "network_cost",
        "shared_cost",
        "total_cost",
    ):
        assert name in cost.column_names
    pv = next(c for c in cost.columns if c.name == "pv_cost")
    assert pv == Column("pv_cost", "pvCost", "float", alternatives=("pv.pvCost", "pv.cost"))
    jobs = CATALOGUE["jobs"].table
    assert jobs.parent_columns == ("project_id",)
    assert {"hardware_tier_id", "environment_id", "status", "submission_time"} <= set(jobs.column_names)
    assert CATALOGUE["audit_events"].child_tables[0].name == "audit_event_targets"


def test_cost_window_params_real_and_seed():
    window = DailyWindow.for_day("2024-08-14")
    real = window_request(CATALOGUE["cost_allocation"], window, make_settings("http://x"))
    assert real.params == {
        "window": "2024-08-14T00:00:00Z,2024-08-15T00:00:00Z",
        "aggregate": ",".join(
            f"label:dominodatalab.com/{k}"
            for k in (
                "workload-type",
                "project-id",
                "project-name",
                "starting-user-username",
                "organization-name",
                "billing-tag",
            )
        ),
        "accumulate": "false",
    }
    assert real.context["aggregate"][0] == "workload-type" and len(real.context["aggregate"]) == 6
    seed = window_request(
        CATALOGUE["cost_allocation_summary"], window, make_settings("http://x", cost_style="seed")
    )
    assert seed.params == {
        "startTime": "2024-08-14T00:00:00Z",
        "endTime": "2024-08-15T00:00:00Z",
        "aggregateBy": "project",
    }
    assert seed.context == {"aggregate": ["project"]}


def test_audit_window_params_epoch_ms():
    window = DailyWindow.for_day(date(2024, 10, 17))
    plain = window_request(CATALOGUE["audit_events"], window, make_settings("http://x"))
    assert plain.params == {
        "startTimestamp": "1729123200000",
        "endTimestamp": "1729209600000",
        "sort": "+timestamp",
    }
    both = window_request(
        CATALOGUE["audit_events"], window, make_settings("http://x", audit_seed_params=True)
    )
    assert (
        both.params["startTime"] == "2024-10-17T00:00:00Z"
        and both.params["startTimestamp"] == "1729123200000"
    )
    assert CATALOGUE["audit_events"].page_size == 1000
    with pytest.raises(ValueError, match="not windowed"):
        window_request(CATALOGUE["projects"], window, make_settings("http://x"))


def test_normalize_enum_is_case_insensitive():
    assert normalize_enum("Required", BILLING_TAG_MODES) == "required"
    assert normalize_enum(" DISABLED ", BILLING_TAG_MODES) == "disabled"
    assert normalize_enum(None, BILLING_TAG_MODES) is None
    with pytest.raises(ValueError, match="unexpected value 'sometimes'"):
        normalize_enum("sometimes", BILLING_TAG_MODES)
