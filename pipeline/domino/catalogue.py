"""The endpoint catalogue: one declarative entry per Domino list endpoint that lands as a raw table.

Adding an endpoint means adding an `Endpoint` here; the client, fan-out, windows and tables follow from it.
Column paths follow domino-api-shapes.md (real Domino 6.x); `alternatives` cover the seed's shapes.

Not catalogued on purpose (not worth a table): single-object GETs that repeat list rows (project, job,
dataset, environment, hardware tier, organization, model API, deployment, app, app version/instance,
snapshot, data source, AI gateway endpoint, deployment target (type), resource configuration, billing tag
by name, service-account token by name, registered model by name/version); logs (job logs, model API build
and instance logs, model deployment logs, app instance logs); file content; app thumbnails; model
deployment credentials (secrets only); free-form `/api/cost/v1/cloudCost`, `costActivationStatus`; the
`/api/cost/v2` family and `/v4` internals; every write endpoint (POST/PUT/PATCH/DELETE).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pipeline.domino.enums import BILLING_TAG_MODES, JOB_STATUSES, PROJECT_VISIBILITIES
from pipeline.tables import Column, ColumnType, TableSpec

Pagination = Literal["offset", "none", "single"]
WindowKind = Literal["cost_allocation", "cost_assets", "audit", "iso_range", "newest_first"]
"""How a daily window is read: request parameters per kind, or (`newest_first`) no time filter at all:
page newest-first and stop below the window (jobs)."""
AREAS = (
    "projects",
    "jobs",
    "datasets",
    "environments",
    "model_serving",
    "registered_models",
    "apps",
    "hardware_tiers",
    "data_sources",
    "ai_gateway",
    "users",
    "organizations",
    "service_accounts",
    "cost",
    "deployment_targets",
    "audit",
)


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path, or None when any step is missing."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


@dataclass(frozen=True)
class FanOut:
    """How a child endpoint is called once per parent record.

    `pass_down` names the values taken from each parent record (context key → dotted paths tried in
    order); the child's context is the parent's own context plus these, so grandchildren see both.
    `path_params` / `query_params` map request parameters to context keys.
    """

    parent: str
    pass_down: Mapping[str, tuple[str, ...]]
    path_params: Mapping[str, str] = field(default_factory=dict)
    query_params: Mapping[str, str] = field(default_factory=dict)

    def child_context(
        self, parent_record: Mapping[str, Any], parent_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Context for one child call, or None when the parent record lacks a needed value."""
        context = dict(parent_context or {})
        for key, paths in self.pass_down.items():
            value = next((v for v in (lookup(parent_record, p) for p in paths) if v not in (None, "")), None)
            if value is None:
                return None
            context[key] = value
        return context

    def request_parts(self, context: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        path = {name: str(context[key]) for name, key in self.path_params.items()}
        query = {name: str(context[key]) for name, key in self.query_params.items()}
        return path, query


@dataclass(frozen=True)
class Endpoint:
    """A Domino read endpoint and the raw table its records land in."""

    name: str
    area: str
    path: str
    table: TableSpec
    list_keys: tuple[str, ...] = ()
    """Where records sit: list keys for lists, object keys for `single` (`{"user": {...}}`)."""
    pagination: Pagination = "offset"
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int = 100
    parent: FanOut | None = None
    partitioned: Literal["daily"] | None = None
    window: WindowKind | None = None
    admin_only: bool = False
    item_wrapper: str | None = None
    """Noun wrapping each list item (`{"dataset": {...}, "projectInfo": {...}}`); unwrapped when present."""
    missing_ok: bool = False
    """A 404 means 'not on this Domino / parent vanished': yield nothing instead of failing."""
    path_setting: str | None = None
    """Name of a `DominoSettings` attribute that overrides `path` (e.g. the audit path)."""
    child_tables: tuple[TableSpec, ...] = ()
    """Tables exploded from this endpoint's records by a child transform (e.g. audit_event_targets)."""

    def __post_init__(self) -> None:
        if self.area not in AREAS:
            raise ValueError(f"{self.name}: unknown area {self.area!r}")
        if self.partitioned and self.window is None:
            raise ValueError(f"{self.name}: a partitioned endpoint needs a window kind")


def col(
    name: str,
    path: str,
    type: ColumnType = "str",
    *alternatives: str,
    required: bool = False,
    comment: str = "",
    enum: tuple[str, ...] = (),
) -> Column:
    return Column(
        name=name,
        path=path,
        type=type,
        required=required,
        comment=comment,
        alternatives=tuple(alternatives),
        enum=enum,
    )


def table(
    name: str,
    *columns: Column,
    key: tuple[str, ...] = ("id",),
    comment: str = "",
    transform: str | None = None,
    parent_columns: tuple[str, ...] = (),
) -> TableSpec:
    return TableSpec(
        name=name,
        columns=columns,
        key=key,
        comment=comment,
        transform=transform,
        parent_columns=parent_columns,
    )


def child_of(
    parent: str,
    key: str,
    *paths: str,
    path_param: str | None = None,
    query_param: str | None = None,
    inherited: Mapping[str, str] | None = None,
) -> FanOut:
    """Fan-out that passes one value of the parent record down (plus inherited path params)."""
    path_params = dict(inherited or {})
    if path_param:
        path_params[path_param] = key
    return FanOut(
        parent=parent,
        pass_down={key: paths or ("id",)},
        path_params=path_params,
        query_params={query_param: key} if query_param else {},
    )


ID = col("id", "id", required=True)
COST_AGGREGATE_LABELS = (
    "workload-type",
    "project-id",
    "project-name",
    "starting-user-username",
    "organization-name",
    "billing-tag",
)


def _cost_columns() -> tuple[Column, ...]:
    derived = [
        col(n, f"_derived.{n}")
        for n in (
            "workload_type",
            "project_id",
            "project_name",
            "user_name",
            "organization_name",
            "billing_tag",
        )
    ]
    return (
        col("name", "name", required=True, comment="aggregate key as sent by Domino"),
        *derived,
        col("is_idle", "_derived.is_idle", "bool"),
        col("window_start", "_derived.window_start", "timestamp", required=True),
        col("window_end", "_derived.window_end", "timestamp"),
        col("cpu_cost", "cpuCost", "float", "cpu.cost"),
        col("gpu_cost", "gpuCost", "float", "gpu.cost"),
        col("ram_cost", "ramCost", "float", "ram.cost"),
        col("pv_cost", "pvCost", "float", "pv.pvCost", "pv.cost"),
        col("network_cost", "networkCost", "float", "network.cost"),
        col("load_balancer_cost", "loadBalancerCost", "float", "loadBalancer.cost"),
        col("shared_cost", "sharedCost", "float"),
        col("total_cost", "totalCost", "float"),
        col("cpu_cost_adjustment", "cpuCostAdjustment", "float", "cpu.costAdjustment"),
        col("gpu_cost_adjustment", "gpuCostAdjustment", "float", "gpu.costAdjustment"),
        col("ram_cost_adjustment", "ramCostAdjustment", "float", "ram.costAdjustment"),
        col("cpu_core_hours", "cpuCoreHours", "float", "cpu.coreHours"),
        col("gpu_hours", "gpuHours", "float", "gpu.hours"),
    )


PROJECT_CHILD = child_of("projects", "project_id", "id", path_param="projectId")
ENDPOINTS: tuple[Endpoint, ...] = (
    # --- projects -------------------------------------------------------------------------------------
    Endpoint(
        "projects",
        "projects",
        "/api/projects/beta/projects",
        list_keys=("projects",),
        item_wrapper="project",
        table=table(
            "projects",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("owner_id", "ownerId", "str", "owner.id"),
            col("owner_username", "ownerUsername", "str", "owner.userName", "owner.username"),
            col("visibility", "visibility", enum=PROJECT_VISIBILITIES),
            col("is_restricted", "isRestricted", "bool"),
            col("billing_tag", "billingTag.tag"),
            col("collaborators", "collaborators", "json"),
            col("main_repository", "mainRepository", "json"),
            col("internal_tags", "internalTags", "json"),
        ),
    ),
    Endpoint(
        "project_repositories",
        "projects",
        "/api/projects/v1/projects/{projectId}/repositories",
        list_keys=("repositories",),
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_repositories",
            ID,
            col("name", "name"),
            col("uri", "uri", "str", "url"),
            col("service_provider", "serviceProvider"),
            col("default_ref_type", "defaultRef.refType"),
            col("default_ref_value", "defaultRef.value"),
            key=("project_id", "id"),
            parent_columns=("project_id",),
        ),
    ),
    Endpoint(
        "project_goals",
        "projects",
        "/api/projects/v1/projects/{projectId}/goals",
        list_keys=("goals",),
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_goals",
            ID,
            col("title", "title", "str", "name"),
            col("description", "description"),
            col("is_complete", "isComplete", "bool", "completed"),
            key=("project_id", "id"),
            parent_columns=("project_id",),
        ),
    ),
    Endpoint(
        "project_shared_datasets",
        "projects",
        "/api/projects/v1/projects/{projectId}/shared-datasets",
        list_keys=("sharedDatasets", "datasets"),
        item_wrapper="dataset",
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_shared_datasets",
            col("dataset_id", "datasetId", "str", "id", required=True),
            col("name", "name", "str", "datasetName"),
            col("owner_project_id", "projectId"),
            key=("project_id", "dataset_id"),
            parent_columns=("project_id",),
        ),
    ),
    # --- users ----------------------------------------------------------------------------------------
    Endpoint(
        "users",
        "users",
        "/api/users/v1/users",
        list_keys=("users",),
        table=table(
            "users",
            ID,
            col("user_name", "userName", "str", "username"),
            col("first_name", "firstName"),
            col("last_name", "lastName"),
            col("full_name", "fullName"),
            col("email", "email"),
            col("roles", "roles", "json"),
        ),
    ),
    Endpoint(
        "self",
        "users",
        "/api/users/v1/self",
        list_keys=("user",),
        pagination="single",
        table=table(
            "self_user",
            ID,
            col("user_name", "userName", "str", "username"),
            col("full_name", "fullName"),
            col("email", "email"),
            col("roles", "roles", "json"),
            comment="the identity the ETL runs as",
        ),
    ),
    Endpoint(
        "user_credentials",
        "users",
        "/api/users/beta/credentials/{userId}",
        list_keys=("credentials", "items", "data"),
        admin_only=True,
        missing_ok=True,
        parent=child_of("users", "user_id", "id", path_param="userId"),
        table=table(
            "user_credentials",
            ID,
            col("name", "name"),
            col("credential_type", "credentialType", "str", "type"),
            col("domain", "domain"),
            col("created_at", "created", "str", "createdAt"),
            col("expires_at", "expiry", "str", "expiresAt"),
            key=("user_id", "id"),
            transform="strip_secrets",
            parent_columns=("user_id",),
            comment="git credential metadata; secret values are stripped before landing",
        ),
    ),
    Endpoint(
        "organizations",
        "organizations",
        "/api/organizations/v1/organizations",
        list_keys=("orgs", "organizations"),
        table=table(
            "organizations",
            ID,
            col("name", "name"),
            col("members", "members", "json"),
            col("default_environment_id", "defaultEnvironmentId"),
        ),
    ),
    Endpoint(
        "hardware_tiers",
        "hardware_tiers",
        "/api/hardwaretiers/v1/hardwaretiers",
        list_keys=("hardwareTiers",),
        params={"includeArchived": "true"},
        table=table(
            "hardware_tiers",
            ID,
            col("name", "name"),
            col("cents_per_minute", "centsPerMinute", "float"),
            col("cores", "resources.cores", "float", "cores"),
            col("memory_value", "resources.memory.value", "float", "memoryMb"),
            col("memory_units", "resources.memory.units"),
            col("gpu_count", "gpuConfiguration.numberOfGpus", "int", "gpu", "gpuCount"),
            col("gpu_key", "gpuConfiguration.gpuKey"),
            col("is_archived", "flags.isArchived", "bool", "isArchived"),
            col("is_default", "flags.isDefault", "bool", "isDefault"),
            col("node_pool", "nodePool"),
            col("creation_time", "creationTime", "timestamp"),
            col("update_time", "updateTime", "timestamp"),
        ),
    ),
    Endpoint(
        "environments",
        "environments",
        "/api/environments/beta/environments",
        list_keys=("environments",),
        table=table(
            "environments",
            ID,
            col("name", "name"),
            col("archived", "archived", "bool", "isArchived"),
            col("visibility", "visibility"),
            col("owner_id", "owner.id", "str", "ownerId"),
            col("owner_username", "owner.username"),
            col("latest_revision_id", "latestRevision.id"),
            col("latest_revision_number", "latestRevision.number", "int"),
            col("latest_revision_status", "latestRevision.status"),
            col("selected_revision_id", "selectedRevision.id"),
        ),
    ),
    # --- datasets -------------------------------------------------------------------------------------
    Endpoint(
        "datasets",
        "datasets",
        "/api/datasetrw/v2/datasets",
        list_keys=("datasets",),
        item_wrapper="dataset",
        params={"includeProjectInfo": "true"},
        table=table(
            "datasets",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("project_id", "projectId", "str", "projectInfo.projectId"),
            col("project_name", "projectInfo.projectName"),
            col("project_owner_username", "projectInfo.projectOwnerUsername"),
            col("created_at", "createdAt", "timestamp"),
            col("snapshot_ids", "snapshotIds", "json"),
            col("tags", "tags", "json"),
        ),
    ),
    Endpoint(
        "dataset_snapshots",
        "datasets",
        "/api/datasetrw/v1/datasets/{datasetId}/snapshots",
        list_keys=("snapshots",),
        item_wrapper="snapshot",
        missing_ok=True,
        parent=child_of("datasets", "dataset_id", "id", path_param="datasetId"),
        table=table(
            "dataset_snapshots",
            ID,
            col("status", "status", "str", "lifecycleStatus"),
            col("version", "version", "int"),
            col("creator_id", "creatorId"),
            col("created_at", "createdAt", "timestamp", "creationTime"),
            col("storage_size_bytes", "storageSize", "int"),
            key=("dataset_id", "id"),
            parent_columns=("dataset_id",),
        ),
    ),
    Endpoint(
        "dataset_grants",
        "datasets",
        "/api/datasetrw/v1/datasets/{datasetId}/grants",
        list_keys=("grants",),
        missing_ok=True,
        parent=child_of("datasets", "dataset_id", "id", path_param="datasetId"),
        table=table(
            "dataset_grants",
            col("target_id", "targetId", "str", "principalId", required=True),
            col("target_name", "targetName"),
            col("target_role", "targetRole", "str", "role"),
            col("is_organization", "isOrganization", "bool"),
            key=("dataset_id", "target_id"),
            parent_columns=("dataset_id",),
        ),
    ),
    # --- jobs -----------------------------------------------------------------------------------------
    Endpoint(
        "jobs",
        "jobs",
        "/api/jobs/beta/jobs",
        list_keys=("jobs",),
        missing_ok=True,
        params={"sortBy": "number", "ascending": "false", "showArchived": "true"},
        parent=child_of("projects", "project_id", "id", query_param="projectId"),
        partitioned="daily",
        window="newest_first",
        table=table(
            "jobs",
            ID,
            col("number", "number", "int"),
            col("title", "title"),
            col(
                "status",
                "status.executionStatus",
                "str",
                "statuses.executionStatus",
                "status",
                enum=JOB_STATUSES,
            ),
            col("is_completed", "status.isCompleted", "bool", "statuses.isCompleted", "isCompleted"),
            col("is_archived", "status.isArchived", "bool", "statuses.isArchived", "isArchived"),
            col("submission_time", "stageTimes.submissionTime", "timestamp", "submissionTime"),
            col("start_time", "stageTimes.startTime", "timestamp", "startTime"),
            col("completed_time", "stageTimes.completedTime", "timestamp", "completedTime", "endTime"),
            col("started_by_id", "startedById", "str", "startedBy.id", "startingUserId"),
            col("hardware_tier_id", "hardwareTierId", "str", "hardwareTier.id", "hardwareTier"),
            col("environment_id", "environmentId", "str", "environment.id"),
            col("run_command", "runCommand", "str", "jobRunCommand", "commandToRun"),
            col("cpu_percentage", "usage.cpuPercentage", "float"),
            col("memory_gib", "usage.memoryGiB", "float"),
            parent_columns=("project_id",),
            comment="public JobV1 has no hardware tier/environment: NULL unless the server sends them",
        ),
    ),
    Endpoint(
        "job_goals",
        "jobs",
        "/api/jobs/v1/goals",
        list_keys=("goals", "jobGoals"),
        table=table(
            "job_goals",
            ID,
            col("project_id", "projectId"),
            col("title", "title", "str", "name"),
            col("description", "description"),
            col("is_complete", "isComplete", "bool", "completed"),
            col("job_ids", "jobIds", "json", "linkedJobIds"),
            comment="goals that jobs can be linked to; shape undocumented, whole record in _raw",
        ),
    ),
    # --- model serving --------------------------------------------------------------------------------
    Endpoint(
        "model_apis",
        "model_serving",
        "/api/modelServing/v1/modelApis",
        list_keys=("items", "modelApis"),
        page_size=100,
        table=table(
            "model_apis",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("project_id", "projectId", "str", "activeVersion.projectId"),
            col("environment_id", "environmentId"),
            col("hardware_tier_id", "hardwareTierId"),
            col("replicas", "replicas", "int"),
            col("is_archived", "isArchived", "bool"),
            col("is_async", "isAsync", "bool"),
            col("active_version_id", "activeVersion.id"),
            col("created_at", "metadata.created", "timestamp_ms"),
            col("created_by", "metadata.createdBy"),
            col("last_modified", "metadata.lastModified", "timestamp_ms"),
        ),
    ),
    Endpoint(
        "model_api_versions",
        "model_serving",
        "/api/modelServing/v1/modelApis/{modelApiId}/versions",
        list_keys=("items", "versions"),
        pagination="none",
        missing_ok=True,
        parent=child_of("model_apis", "model_api_id", "id", path_param="modelApiId"),
        table=table(
            "model_api_versions",
            ID,
            col("number", "number", "int"),
            col("project_id", "projectId"),
            col("commit_id", "commitId"),
            col("environment_revision_id", "environmentRevisionId"),
            col("source_type", "source.type"),
            col("deployment_status", "deployment.status"),
            col("created_at", "metadata.created", "timestamp_ms"),
            col("created_by", "metadata.createdBy"),
            key=("model_api_id", "id"),
            parent_columns=("model_api_id",),
        ),
    ),
    Endpoint(
        "model_deployments",
        "model_serving",
        "/api/modelServing/v1/modelDeployments",
        list_keys=("items", "modelDeployments"),
        table=table(
            "model_deployments",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("status", "status", "json"),
            col("version", "version", "json"),
            col("creator_info", "creatorInfo", "json"),
            col("creation_timestamp", "creationTimestamp"),
            col("deployment_target", "deploymentTargetInfo", "json"),
            col("resource_configuration", "resourceConfigurationInfo", "json"),
            col("is_globally_accessible", "isGloballyAccessible", "bool"),
        ),
    ),
    # --- registered models ----------------------------------------------------------------------------
    Endpoint(
        "registered_models",
        "registered_models",
        "/api/registeredmodels/v2",
        list_keys=("items", "registeredModels", "models"),
        table=table(
            "registered_models",
            col("name", "name", required=True),
            col("description", "description"),
            col("project_id", "project.id", "str", "projectId"),
            col("project_name", "project.name"),
            col("owner_username", "ownerUsername", "str", "owner.userName"),
            col("latest_version", "latestVersion", "int"),
            col("created_at", "createdAt", "str", "creationTime"),
            key=("name",),
        ),
    ),
    Endpoint(
        "registered_model_versions",
        "registered_models",
        "/api/registeredmodels/v1/{modelName}/versions",
        list_keys=("items", "versions", "modelVersions"),
        missing_ok=True,
        parent=child_of("registered_models", "model_name", "name", path_param="modelName"),
        table=table(
            "registered_model_versions",
            col("version", "modelVersion", "int", "version", required=True),
            col("description", "description", "str", "modelVersionDescription"),
            col("experiment_run_id", "experimentRunId", "str", "source.runId"),
            col("created_at", "createdAt", "str", "creationTime"),
            key=("model_name", "version"),
            parent_columns=("model_name",),
        ),
    ),
    # --- apps -----------------------------------------------------------------------------------------
    Endpoint(
        "apps",
        "apps",
        "/api/apps/beta/apps",
        list_keys=("items", "apps"),
        table=table(
            "apps",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("url", "url"),
            col("project_id", "project.id", "str", "projectId"),
            col("project_name", "project.name"),
            col("publisher_id", "publisher.id"),
            col("visibility", "visibility"),
            col("status", "currentVersion.currentInstance.status", "str", "status"),
            col("hardware_tier_id", "currentVersion.hardwareTierId", "str", "hardwareTierId"),
            col("environment_id", "currentVersion.environmentId", "str", "environmentId"),
            col("current_version_id", "currentVersion.id"),
            col("views", "views", "int"),
            col("updated_at", "updatedAt", "timestamp_ms"),
        ),
    ),
    Endpoint(
        "app_versions",
        "apps",
        "/api/apps/beta/apps/{appId}/versions",
        list_keys=("items", "versions"),
        missing_ok=True,
        parent=child_of("apps", "app_id", "id", path_param="appId"),
        table=table(
            "app_versions",
            ID,
            col("environment_id", "environmentId"),
            col("environment_revision_id", "environmentRevisionId"),
            col("hardware_tier_id", "hardwareTierId"),
            col("created_at", "createdAt", "timestamp"),
            col("updated_at", "updatedAt", "timestamp_ms"),
            col("publisher_id", "publisher.id"),
            key=("app_id", "id"),
            parent_columns=("app_id",),
        ),
    ),
    Endpoint(
        "app_instances",
        "apps",
        "/api/apps/beta/apps/{appId}/versions/{versionId}/instances",
        list_keys=("items", "instances"),
        missing_ok=True,
        parent=child_of(
            "app_versions", "version_id", "id", path_param="versionId", inherited={"appId": "app_id"}
        ),
        table=table(
            "app_instances",
            ID,
            col("status", "status"),
            col("created_at", "createdAt", "timestamp_ms"),
            col("started_by_id", "startedBy.id", "str", "startedById"),
            key=("app_id", "version_id", "id"),
            parent_columns=("app_id", "version_id"),
        ),
    ),
    # --- data sources ---------------------------------------------------------------------------------
    Endpoint(
        "data_sources",
        "data_sources",
        "/api/datasource/v1/datasources",
        list_keys=("dataSources",),
        table=table(
            "data_sources",
            ID,
            col("name", "name"),
            col("display_name", "displayName"),
            col("data_source_type", "dataSourceType"),
            col("auth_type", "authType"),
            col("credential_type", "credentialType"),
            col("owner_id", "ownerId"),
            col("owner_username", "ownerUsername"),
            col("last_updated", "lastUpdated", "timestamp"),
            col("config", "config", "json"),
            col("permissions", "permissions", "json"),
            transform="strip_secrets",
        ),
    ),
    Endpoint(
        "data_source_audit",
        "data_sources",
        "/api/datasource/v1/audit",
        list_keys=("events", "items"),
        pagination="none",
        partitioned="daily",
        window="iso_range",
        admin_only=True,
        table=table(
            "data_source_audit",
            col("data_source_id", "dataSourceId"),
            col("data_source_name", "dataSourceName"),
            col("data_source_type", "dataSourceType"),
            col("event_kind", "eventKind"),
            col("performed_by", "performedBy"),
            col("timestamp", "timestamp", "timestamp", required=True),
            col("metadata", "metadata", "json"),
            key=("data_source_id", "event_kind", "performed_by", "timestamp"),
            comment="bare JSON array; no natural id",
        ),
    ),
    # --- AI gateway -----------------------------------------------------------------------------------
    Endpoint(
        "ai_gateway_endpoints",
        "ai_gateway",
        "/api/aigateway/v1/endpoints",
        list_keys=("endpoints", "items", "data"),
        table=table(
            "ai_gateway_endpoints",
            col("endpoint_name", "endpointName", "str", "name", required=True),
            col("id", "id"),
            col("provider", "endpointType", "str", "provider"),
            col("model_name", "modelName", "str", "model"),
            col("model_provider", "modelProvider"),
            col("created_at", "createdAt", "str", "created"),
            key=("endpoint_name",),
            transform="strip_secrets",
            comment="provider API keys are stripped before landing",
        ),
    ),
    Endpoint(
        "ai_gateway_permissions",
        "ai_gateway",
        "/api/aigateway/v1/endpoints/{endpointName}/permissions",
        pagination="single",
        missing_ok=True,
        parent=child_of(
            "ai_gateway_endpoints", "endpoint_name", "endpointName", "name", path_param="endpointName"
        ),
        table=table(
            "ai_gateway_permissions",
            col("is_everyone_allowed", "isEveryoneAllowed", "bool"),
            col("user_ids", "userIds", "json", "users"),
            col("organization_ids", "organizationIds", "json"),
            key=("endpoint_name",),
            parent_columns=("endpoint_name",),
        ),
    ),
    Endpoint(
        "ai_gateway_audit",
        "ai_gateway",
        "/api/aigateway/v1/audit",
        list_keys=("events", "items", "data", "auditEvents"),
        admin_only=True,
        table=table(
            "ai_gateway_audit",
            col("id", "id"),
            col("endpoint_name", "endpointName", "str", "endpoint"),
            col("event", "event", "str", "action", "eventType"),
            col("user_id", "userId", "str", "actor.id", "user"),
            col("timestamp", "timestamp", "str", "createdAt", comment="ISO or epoch; kept as sent"),
            col("details", "details", "json", "metadata"),
            key=(),
            comment="no documented shape or key: replaced wholesale each run",
        ),
    ),
    # --- service accounts -----------------------------------------------------------------------------
    Endpoint(
        "service_accounts",
        "service_accounts",
        "/api/serviceAccounts/v1/serviceAccounts",
        list_keys=("serviceAccounts",),
        params={"includeDeactivated": "true"},
        admin_only=True,
        table=table(
            "service_accounts",
            ID,
            col("username", "username", "str", "userName"),
            col("idp_id", "idpId"),
            col("email", "email"),
            col("is_active", "isActive", "bool", "active"),
        ),
    ),
    Endpoint(
        "service_account_tokens",
        "service_accounts",
        "/api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens",
        list_keys=("tokens", "items"),
        admin_only=True,
        missing_ok=True,
        pagination="none",
        parent=child_of(
            "service_accounts", "service_account_idp_id", "idpId", "id", path_param="serviceAccountIdpId"
        ),
        table=table(
            "service_account_tokens",
            col("name", "name", "str", "tokenName", required=True),
            col("created_at", "creationTime", "str", "createdAt", "created"),
            col("expires_at", "expiryTime", "str", "expiresAt", "expiry"),
            col("is_active", "isActive", "bool", "active"),
            key=("service_account_idp_id", "name"),
            parent_columns=("service_account_idp_id",),
            transform="strip_secrets",
            comment="token metadata only; token values are stripped",
        ),
    ),
    # --- deployment targets ---------------------------------------------------------------------------
    Endpoint(
        "deployment_target_types",
        "deployment_targets",
        "/api/admin/v1/deploymentTargetTypes",
        list_keys=("deploymentTargetTypes", "items", "data"),
        admin_only=True,
        table=table("deployment_target_types", ID, col("name", "name"), col("description", "description")),
    ),
    Endpoint(
        "deployment_targets",
        "deployment_targets",
        "/api/admin/v1/deploymentTargets",
        list_keys=("deploymentTargets", "items", "data"),
        admin_only=True,
        table=table(
            "deployment_targets",
            ID,
            col("name", "name"),
            col("type_id", "deploymentTargetTypeId", "str", "type.id", "typeId"),
            col("is_active", "isActive", "bool"),
            col("configuration", "configuration", "json"),
            transform="strip_secrets",
        ),
    ),
    Endpoint(
        "resource_configurations",
        "deployment_targets",
        "/api/admin/v1/deploymentTargets/{targetId}/resourceConfigurations",
        list_keys=("resourceConfigurations", "items", "data"),
        admin_only=True,
        missing_ok=True,
        parent=child_of("deployment_targets", "deployment_target_id", "id", path_param="targetId"),
        table=table(
            "resource_configurations",
            ID,
            col("name", "name"),
            col("cpu", "cpu", "float", "resources.cpu"),
            col("memory", "memory", "str", "resources.memory"),
            col("gpu_count", "gpuCount", "int", "resources.gpu"),
            col("is_default", "isDefault", "bool"),
            key=("deployment_target_id", "id"),
            parent_columns=("deployment_target_id",),
        ),
    ),
    # --- cost -----------------------------------------------------------------------------------------
    Endpoint(
        "billing_tags",
        "cost",
        "/api/cost/v1/billingtags",
        list_keys=("billingTags",),
        pagination="none",
        table=table(
            "billing_tags",
            col("tag", "tag", required=True),
            col("tag_id", "tagId"),
            col("active", "active", "bool"),
            key=("tag",),
            comment="Domino lists active tags only",
        ),
    ),
    Endpoint(
        "billing_tag_settings",
        "cost",
        "/api/cost/v1/billingtagSettings",
        pagination="single",
        list_keys=("billingTagSettings", "settings"),
        admin_only=True,
        table=table(
            "billing_tag_settings",
            col("mode", "mode", enum=BILLING_TAG_MODES),
            col("notifications", "notifications", "bool"),
            key=(),
            comment="one row; mode casing varies (required/Required): normalise downstream",
        ),
    ),
    Endpoint(
        "billing_tag_settings_mode",
        "cost",
        "/api/cost/v1/billingtagSettings/mode",
        pagination="single",
        admin_only=True,
        missing_ok=True,
        table=table(
            "billing_tag_settings_mode",
            col("mode", "mode", enum=BILLING_TAG_MODES),
            key=(),
            comment="only in the 5.11 spec; a 404 on 6.x leaves the table empty",
        ),
    ),
    Endpoint(
        "cost_allocation",
        "cost",
        "/api/cost/v1/allocation",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_allocation",
        admin_only=True,
        table=table(
            "cost_allocation", *_cost_columns(), key=("name", "window_start"), transform="cost_allocation"
        ),
    ),
    Endpoint(
        "cost_allocation_summary",
        "cost",
        "/api/cost/v1/allocation/summary",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_allocation",
        admin_only=True,
        table=table(
            "cost_allocation_summary",
            *_cost_columns(),
            key=("name", "window_start"),
            transform="cost_allocation",
        ),
    ),
    Endpoint(
        "cost_assets",
        "cost",
        "/api/cost/v1/asset",
        list_keys=("data",),
        pagination="none",
        partitioned="daily",
        window="cost_assets",
        admin_only=True,
        table=table(
            "cost_assets",
            col("name", "name", required=True),
            col("type", "type", "str", "assetType"),
            col("window_start", "window.start", "timestamp", "start", required=True),
            col("window_end", "window.end", "timestamp", "end"),
            col("cpu_cost", "cpuCost", "float", "cpu.cost"),
            col("gpu_cost", "gpuCost", "float", "gpu.cost"),
            col("ram_cost", "ramCost", "float", "ram.cost"),
            col("total_cost", "totalCost", "float"),
            col("provider", "properties.provider"),
            col("category", "properties.category"),
            col("provider_id", "properties.providerId"),
            col("node_pool", "labels.label_dominodatalab_com_node_pool"),
            key=("name", "window_start"),
        ),
    ),
    # --- audit ----------------------------------------------------------------------------------------
    Endpoint(
        "audit_events",
        "audit",
        "/api/audittrail/v1/auditevents",
        path_setting="audit_path",
        list_keys=("events",),
        page_size=1000,
        partitioned="daily",
        window="audit",
        admin_only=True,
        table=table(
            "audit_events",
            col("event_key", "_derived.event_key", required=True),
            col("event_time", "timestamp", "timestamp_ms", required=True),
            col("actor_id", "actor.id"),
            col("actor_name", "actor.name"),
            col("event_name", "action.eventName", "str", "event", "eventType"),
            col("project_id", "_derived.project_id"),
            col("project_name", "_derived.project_name"),
            col("target_count", "_derived.target_count", "int"),
            col("trace_id", "action.traceId"),
            col("within", "in", "json"),
            col("metadata", "metadata", "json"),
            key=("event_key",),
            transform="audit_events",
        ),
        child_tables=(
            table(
                "audit_event_targets",
                col("event_key", "event_key", required=True),
                col("event_time", "event_time", "timestamp_ms"),
                col("target_index", "target_index", "int"),
                col("entity_type", "entity_type"),
                col("entity_id", "entity_id"),
                col("entity_name", "entity_name"),
                col("change_index", "change_index", "int"),
                col("field_name", "field_name"),
                col("field_type", "field_type"),
                col("before", "before"),
                col("after", "after"),
                col("added", "added", "json"),
                col("removed", "removed", "json"),
                key=("event_key", "target_index", "change_index"),
                transform="audit_event_targets",
                comment="one row per (target, field change); exploded from audit_events",
            ),
        ),
    ),
)


def _documented(entry: Endpoint) -> Endpoint:
    """Every table's COMMENT names the endpoint it mirrors, after any comment of its own."""
    source = f"GET {entry.path}" + (" (one request per parent)" if entry.parent else "")
    comment = f"{entry.table.comment}; {source}" if entry.table.comment else source
    return replace(entry, table=replace(entry.table, comment=comment))


ENDPOINTS = tuple(_documented(e) for e in ENDPOINTS)
CATALOGUE: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}


def endpoint(name: str) -> Endpoint:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"no endpoint {name!r} in the catalogue; known: {sorted(CATALOGUE)}") from None


def children_of(name: str) -> list[Endpoint]:
    return [e for e in ENDPOINTS if e.parent is not None and e.parent.parent == name]


def fan_out_order() -> list[Endpoint]:
    """Endpoints with every parent before its children (stable within a level)."""
    ordered: list[Endpoint] = []
    seen: set[str] = set()

    def visit(ep: Endpoint) -> None:
        if ep.name in seen:
            return
        if ep.parent is not None:
            visit(endpoint(ep.parent.parent))
        seen.add(ep.name)
        ordered.append(ep)

    for ep in ENDPOINTS:
        visit(ep)
    return ordered
