"""Long-running workloads and data access: apps, model APIs, deployments, registry, data sources, AI gateway.

App instances and model API versions also yield execution spans, so their cost shows up in allocation."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.simulator.world.gen import DAY_S, Gen, iso
from pipeline.simulator.world.history import History


@dataclass
class Spans:
    """Execution spans of long-running workloads: (workload type, project, user, tier, start_s, end_s)."""

    rows: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)


@dataclass
class ProjectRefs:
    ids: list[str]
    names: list[str]
    owners: list[int]
    user_ids: list[str]
    usernames: list[str]
    env_ids: list[str]
    tier_ids: list[str]


def build_apps(g: Gen, refs: ProjectRefs, history: History, spans: Spans) -> tuple[dict, dict, dict]:
    apps: dict[str, dict] = {}
    versions: dict[str, list[dict]] = {}
    instances: dict[str, list[dict]] = {}
    for a in range(g.spec.apps):
        p = g.n("app-project", a, 0, len(refs.ids) - 1)
        owner = refs.owners[p]
        created = g.time_in("app-created", a, g.start_s, g.start_s + (g.end_s - g.start_s) * 0.5)
        app_id = g.oid("app", a, created)
        tier = g.n("app-tier", a, 0, 2)
        history.add(created, "Publish App", owner, p, a)
        app_versions = []
        at = created
        for v in range(g.n("app-nversions", a, 1, 3)):
            vid = g.oid("app-version", a * 8 + v, at)
            next_at = at + g.n("app-version-life", a * 8 + v, 5, 30) * DAY_S
            stopped = v < 2 and next_at < g.end_s
            inst_end = min(next_at, g.end_s) if stopped else g.end_s
            iid = g.oid("app-instance", a * 8 + v, at)
            instances[vid] = [
                {
                    "id": iid,
                    "appVersionId": vid,
                    "status": "Stopped" if stopped else "Running",
                    "createdAt": iso(at),
                    "describeUrl": f"/apps/{app_id}/instances/{iid}",
                }
            ]
            spans.rows.append(("App", p, owner, tier, at, inst_end))
            app_versions.append(
                {
                    "id": vid,
                    "appId": app_id,
                    "versionNumber": v + 1,
                    "environmentId": refs.env_ids[0],
                    "environmentRevisionId": None,
                    "hardwareTierId": refs.tier_ids[tier],
                    "createdAt": iso(at),
                    "updatedAt": at * 1000,
                    "publisher": {"id": refs.user_ids[owner], "name": refs.usernames[owner]},
                    "tags": [],
                    "currentInstance": instances[vid][0],
                }
            )
            if not stopped:
                break
            at = next_at
        versions[app_id] = app_versions
        current = app_versions[-1]
        apps[app_id] = {
            "id": app_id,
            "name": f"app-{a}",
            "description": f"Dashboard {a}",
            "url": f"/apps/{app_id}",
            "vanityUrl": None,
            "entryPoint": "app.sh",
            "project": {
                "id": refs.ids[p],
                "name": refs.names[p],
                "ownerId": refs.user_ids[owner],
                "ownerUsername": refs.usernames[owner],
                "projectType": "Analytic",
            },
            "publisher": {"id": refs.user_ids[owner], "name": refs.usernames[owner]},
            "visibility": g.pick("app-vis", a, ["AUTHENTICATED", "GRANT_BASED", "PUBLIC"]),
            "configurationType": "STANDARD",
            "views": g.n("app-views", a, 0, 5000),
            "updatedAt": current["updatedAt"],
            "isPinned": False,
            "discoverable": True,
            "renderIFrame": False,
            "mountDatasets": False,
            "mountNetAppVolumes": False,
            "accessStatuses": [],
            "currentVersion": current,
        }
    return apps, versions, instances


THUMBNAIL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101008d2a67b00000000049454e44ae426082"
)
"""A 1×1 PNG: the bytes of an app thumbnail (the API serves the image itself, not JSON)."""


def app_thumbnails(apps: dict) -> dict[str, list[dict]]:
    """Every third app has a thumbnail (the others answer 404, as apps without one do)."""
    return {
        app_id: [{"bytes": THUMBNAIL_PNG, "contentType": "image/png"}]
        for k, app_id in enumerate(apps)
        if k % 3 == 0
    }


def build_model_apis(
    g: Gen, refs: ProjectRefs, model_tier: int, history: History, spans: Spans
) -> tuple[dict, dict]:
    apis: dict[str, dict] = {}
    versions: dict[str, list[dict]] = {}
    for m in range(g.spec.model_apis):
        p = g.n("mapi-project", m, 0, len(refs.ids) - 1)
        owner = refs.owners[p]
        created = g.time_in("mapi-created", m, g.start_s, g.start_s + (g.end_s - g.start_s) * 0.5)
        api_id = g.oid("model-api", m, created)
        replicas = g.n("mapi-replicas", m, 1, 2)
        archived = g.u("mapi-archived", m) < 0.15
        end = g.time_in("mapi-end", m, created + DAY_S, g.end_s) if archived else g.end_s
        history.add(created, "Create Model API", owner, p, m)
        items = []
        at = created
        n_versions = g.n("mapi-nversions", m, 1, 3)
        for v in range(n_versions):
            next_at = (
                end if v == n_versions - 1 else min(end, at + g.n("mapi-life", m * 8 + v, 3, 25) * DAY_S)
            )
            vid = g.oid("model-api-version", m * 8 + v, at)
            items.append(
                {
                    "id": vid,
                    "number": v + 1,
                    "modelApiId": api_id,
                    "projectId": refs.ids[p],
                    "commitId": g.oid("commit", m * 8 + v, at)[:12],
                    "environmentRevisionId": None,
                    "dataPlaneId": "000000000000000000000000",
                    "source": {
                        "type": "File",
                        "file": "model.py",
                        "function": "predict",
                        "registeredModelName": None,
                        "registeredModelVersion": None,
                    },
                    "deployment": {
                        "isPending": False,
                        "status": "Running" if next_at >= end and not archived else "Stopped",
                    },
                    "metadata": {
                        "created": at * 1000,
                        "createdBy": refs.user_ids[owner],
                        "summary": f"v{v + 1}",
                    },
                    "labels": [],
                    "monitoringEnabled": False,
                    "recordInvocation": False,
                    "logHttpRequestResponse": False,
                }
            )
            for _ in range(replicas):
                spans.rows.append(("ModelAPI", p, owner, model_tier, at, next_at))
            at = next_at
            if at >= end:
                break
        versions[api_id] = items
        active = items[-1]
        apis[api_id] = {
            "id": api_id,
            "name": f"model-api-{m}",
            "description": f"Scoring endpoint {m}",
            "environmentId": refs.env_ids[0],
            "hardwareTierId": refs.tier_ids[model_tier],
            "replicas": replicas,
            "isArchived": archived,
            "isAsync": False,
            "routingMode": "Basic",
            "strictNodeAntiAffinity": False,
            "access": {"isPublic": False, "accessTokens": []},
            "collaborators": [{"collaborator": refs.user_ids[owner], "role": "Owner"}],
            "healthCheck": {"initialDelaySeconds": 10, "periodSeconds": 30},
            "volumes": [],
            "activeVersion": {
                "id": active["id"],
                "number": active["number"],
                "dataPlaneId": active["dataPlaneId"],
                "deployment": active["deployment"],
            },
            "metadata": {
                "created": created * 1000,
                "createdBy": refs.user_ids[owner],
                "lastModified": at * 1000,
            },
            "bundleId": None,
            "resourceQuotaId": None,
            "overrideRequestTimeoutSecs": None,
        }
    return apis, versions


def build_registry_and_deployments(
    g: Gen, refs: ProjectRefs, targets: dict[str, dict], configs: dict[str, list[dict]]
) -> tuple[dict, dict, dict]:
    models: dict[str, dict] = {}
    model_versions: dict[str, list[dict]] = {}
    deployments: dict[str, dict] = {}
    target_ids = list(targets)
    for r in range(g.spec.registered_models):
        p = g.n("rm-project", r, 0, len(refs.ids) - 1)
        owner = refs.owners[p]
        created = g.early("rm-created", r)
        name = f"model-{r}"
        n = g.n("rm-nversions", r, 1, 4)
        model_versions[name] = [
            {
                "modelName": name,
                "modelVersion": v + 1,
                "modelVersionDescription": f"version {v + 1}",
                "project": {"id": refs.ids[p], "name": refs.names[p]},
                "createdAt": iso(created + v * 5 * DAY_S),
                "ownerUsername": refs.usernames[owner],
                "experimentRunId": g.oid("run", r * 8 + v, created)[8:],
            }
            for v in range(n)
        ]
        models[name] = {
            "name": name,
            "description": f"Registered model {r}",
            "latestVersion": n,
            "project": {"id": refs.ids[p], "name": refs.names[p]},
            "createdAt": iso(created),
            "updatedAt": iso(created + (n - 1) * 5 * DAY_S),
            "ownerUsername": refs.usernames[owner],
            "tags": {},
            "discoverable": True,
        }
        if g.u("rm-deployed", r) < 0.5:
            t = target_ids[g.n("md-target", r, 0, len(target_ids) - 1)]
            conf = configs[t][g.n("md-config", r, 0, len(configs[t]) - 1)]
            dep_id = g.oid("model-deployment", r, created + DAY_S)
            deployments[dep_id] = {
                "id": dep_id,
                "name": f"{name}-deployment",
                "description": "",
                "status": "Running",
                "version": n,
                "models": [{"name": name, "version": n}],
                "configuration": {},
                "creatorInfo": {"id": refs.user_ids[owner], "username": refs.usernames[owner]},
                "collaborators": [],
                "creationTimestamp": iso(created + DAY_S),
                "remoteUpdateTimestamp": iso(created + 2 * DAY_S),
                "deploymentTargetInfo": {"id": t, "name": targets[t]["name"]},
                "resourceConfigurationInfo": {"id": conf["id"], "name": conf["name"]},
                "isGloballyAccessible": False,
            }
    return models, model_versions, deployments


def build_data_sources(g: Gen, refs: ProjectRefs, history: History) -> tuple[dict, list[dict]]:
    sources: dict[str, dict] = {}
    audit: list[tuple[int, dict]] = []
    kinds = [
        ("SnowflakeConfig", "Basic"),
        ("S3Config", "AWSIAMRole"),
        ("RedshiftConfig", "Basic"),
        ("PostgreSQLConfig", "Basic"),
        ("BigQueryConfig", "GCPServiceAccount"),
    ]
    n_users = len(refs.user_ids)
    for s in range(g.spec.data_sources):
        created = g.early("ds-created", s)
        owner = g.n("ds-owner", s, 0, n_users - 1)
        kind, auth = kinds[s % len(kinds)]
        sid = g.oid("data-source", s, created)
        name = f"{kind.removesuffix('Config').lower()}-{s}"
        sources[sid] = {
            "id": sid,
            "name": name,
            "displayName": name.replace("-", " ").title(),
            "description": "",
            "dataSourceType": kind,
            "authType": auth,
            "credentialType": g.pick("ds-cred", s, ["Individual", "Shared"]),
            "config": {"database": f"db_{s}"},
            "ownerId": refs.user_ids[owner],
            "ownerUsername": refs.usernames[owner],
            "lastUpdated": iso(created),
            "permissions": {
                "isEveryone": g.u("ds-everyone", s) < 0.3,
                "userAndOrganizationIds": [refs.user_ids[owner]],
            },
        }
        history.add(created, "Create Data Source", owner, -1, s)
        base = {"dataSourceId": sid, "dataSourceName": name, "dataSourceType": kind}
        audit.append(
            (
                created,
                {
                    **base,
                    "eventKind": "CreateDataSource",
                    "metadata": {},
                    "performedBy": refs.user_ids[owner],
                    "timestamp": iso(created),
                },
            )
        )
        for k in range(g.n("ds-access", s, 2, 12)):
            at = g.time_in("ds-access-at", s * 64 + k, created, g.end_s)
            user = g.n("ds-access-user", s * 64 + k, 0, n_users - 1)
            audit.append(
                (
                    at,
                    {
                        **base,
                        "eventKind": "AccessDataSource",
                        "metadata": {"projectId": refs.ids[g.n("ds-p", s * 64 + k, 0, len(refs.ids) - 1)]},
                        "performedBy": refs.user_ids[user],
                        "timestamp": iso(at),
                    },
                )
            )
    audit.sort(key=lambda pair: pair[0])
    return sources, [event for _, event in audit]


def build_ai_gateway(g: Gen, refs: ProjectRefs) -> tuple[dict, dict, list[dict]]:
    """Endpoints never carry a provider key: only provider, model and config."""
    endpoints: dict[str, dict] = {}
    permissions: dict[str, list[dict]] = {}
    audit: list[dict] = []
    catalogue = [
        ("openai", "gpt-4o", "completions"),
        ("anthropic", "claude-3-5-sonnet", "completions"),
        ("bedrock", "titan-embed-text-v2", "embeddings"),
        ("openai", "text-embedding-3-small", "embeddings"),
    ]
    for e in range(g.spec.ai_endpoints):
        provider, model, kind = catalogue[e % len(catalogue)]
        name = f"{provider}-{model}-{e}"
        created = g.early("aig-created", e)
        owner = g.n("aig-owner", e, 0, len(refs.user_ids) - 1)
        endpoints[name] = {
            "endpointName": name,
            "endpointType": kind,
            "provider": provider,
            "model": model,
            "modelConfig": {"temperature": 0.2} if kind == "completions" else {},
            "createdAt": iso(created),
            "creatorId": refs.user_ids[owner],
        }
        permissions[name] = [
            {
                "isEveryoneAllowed": g.u("aig-everyone", e) < 0.5,
                "userIds": [refs.user_ids[owner]],
                "organizationIds": [],
            }
        ]
        audit.append(
            {
                "timestamp": iso(created),
                "endpointName": name,
                "action": "CreateEndpoint",
                "userId": refs.user_ids[owner],
                "userName": refs.usernames[owner],
                "metadata": {},
            }
        )
    audit.sort(key=lambda ev: ev["timestamp"])
    return endpoints, permissions, audit
