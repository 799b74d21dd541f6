"""Hardware tiers (with the price and cost split the cost model uses), environments, deployment targets."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.simulator.world.gen import DAY_S, Gen, iso


@dataclass(frozen=True)
class TierSpec:
    slug: str
    name: str
    cores: float
    memory_gib: float
    gpus: int
    cents_per_minute: float
    node_pool: str
    model_api: bool = False
    archived: bool = False


TIERS = [
    TierSpec("small-k8s", "Small", 1, 4, 0, 0.5, "default"),
    TierSpec("medium-k8s", "Medium", 4, 16, 0, 2.0, "default"),
    TierSpec("large-k8s", "Large", 8, 32, 0, 4.0, "default"),
    TierSpec("xlarge-k8s", "X-Large", 16, 64, 0, 8.0, "highmem"),
    TierSpec("gpu-small-k8s", "GPU Small (1x T4)", 4, 16, 1, 9.0, "default-gpu"),
    TierSpec("gpu-large-k8s", "GPU Large (4x A10G)", 48, 192, 4, 27.0, "default-gpu"),
    TierSpec("model-api-small", "Model API Small", 1, 2, 0, 0.3, "default", model_api=True),
    TierSpec("legacy-medium", "Legacy Medium", 2, 8, 0, 1.2, "default", archived=True),
]


def cost_split(tier: TierSpec) -> tuple[float, float, float]:
    """(cpu, gpu, ram) shares of a tier's price: GPU tiers bill mostly GPU."""
    return (0.12, 0.80, 0.08) if tier.gpus else (0.65, 0.0, 0.35)


def build_hardware_tiers(g: Gen) -> dict[str, dict]:
    created = iso(g.start_s - 500 * DAY_S)
    tiers: dict[str, dict] = {}
    for t in TIERS:
        tiers[t.slug] = {
            "id": t.slug,
            "name": t.name,
            "centsPerMinute": t.cents_per_minute,
            "resources": {
                "cores": float(t.cores),
                "coresLimit": float(t.cores),
                "memory": {"value": float(t.memory_gib), "units": "GiB"},
                "memoryLimit": {"value": float(t.memory_gib), "units": "GiB"},
                "allowSharedMemoryToExceedDefault": False,
            },
            "gpuConfiguration": {"numberOfGpus": t.gpus, "gpuKey": "nvidia.com/gpu"} if t.gpus else None,
            "flags": {
                "isArchived": t.archived,
                "isDefault": t.slug == "small-k8s",
                "isGlobal": True,
                "isVisible": not t.archived,
                "isDataAnalystTier": False,
                "isModelApiTier": t.model_api,
                "isDefaultForModelApi": t.model_api,
            },
            "podCustomization": {},
            "metadata": {},
            "nodePool": t.node_pool,
            "creationTime": created,
            "updateTime": created,
        }
    return tiers


ENVIRONMENTS = [
    ("Domino Standard Environment Py3.10 R4.3", "global", []),
    ("Domino Spark Environment", "global", ["spark"]),
    ("Ray Cluster Environment", "global", ["ray"]),
    ("GPU PyTorch 2.3", "global", []),
    ("RStudio Workbench", "organization", []),
    ("Team Finance Custom", "private", []),
    ("Legacy Py3.8", "global", []),
]


def build_environments(
    g: Gen, owner_id: str, owner_name: str
) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    envs: dict[str, dict] = {}
    revisions: dict[str, list[dict]] = {}
    for k, (name, visibility, clusters) in enumerate(ENVIRONMENTS):
        env_id = g.oid("environment", k, g.start_s - 200 * DAY_S + k * 3600)
        revs = []
        for r in range(g.n("env-revs", k, 1, 4)):
            at = g.start_s - 200 * DAY_S + k * 3600 + r * 20 * DAY_S
            revs.append(
                {
                    "id": g.oid("env-revision", k * 10 + r, at),
                    "number": r + 1,
                    "status": "succeeded",
                    "availableTools": ["jupyter", "jupyterlab", "vscode"],
                    "createdAt": iso(at),
                    "environmentId": env_id,
                }
            )
        latest = {key: revs[-1][key] for key in ("id", "number", "status", "availableTools")}
        envs[env_id] = {
            "id": env_id,
            "name": name,
            "archived": name.startswith("Legacy"),
            "visibility": visibility,
            "owner": {"id": owner_id, "username": owner_name, "ownerType": "individual"},
            "supportedClusters": clusters,
            "rebuildOnBaseChanges": "never",
            "latestRevision": latest,
            "selectedRevision": dict(latest),
            "restrictedRevision": None,
            "activeRevisionTags": [],
            "internalTags": [],
            "isCurated": visibility == "global",
        }
        revisions[env_id] = revs
    return envs, revisions


def build_deployment_targets(g: Gen) -> tuple[dict[str, dict], dict[str, dict], dict[str, list[dict]]]:
    """Target types, targets and their resource configurations (model deployments run on these)."""
    types: dict[str, dict] = {}
    targets: dict[str, dict] = {}
    configs: dict[str, list[dict]] = {}
    for k, (name, kind) in enumerate(
        [("SageMaker", "sagemaker"), ("Domino Kubernetes", "kubernetes"), ("Azure ML", "azureml")]
    ):
        type_id = g.oid("deployment-target-type", k, g.start_s - 300 * DAY_S)
        types[type_id] = {
            "id": type_id,
            "name": name,
            "type": kind,
            "description": f"{name} deployments",
            "configurationSchema": {},
        }
        for t in range(2 if k < 2 else 1):
            idx = k * 2 + t
            target_id = g.oid("deployment-target", idx, g.start_s - 250 * DAY_S + idx)
            targets[target_id] = {
                "id": target_id,
                "name": f"{kind}-{['prod', 'staging'][t]}",
                "deploymentTargetTypeId": type_id,
                "status": "Active",
                "description": f"{name} {['production', 'staging'][t]}",
                "configuration": {
                    "region": g.pick("dt-region", idx, ["us-east-1", "us-west-2", "eu-west-1"])
                },
                "createdAt": iso(g.start_s - 250 * DAY_S + idx),
            }
            configs[target_id] = [
                {
                    "id": g.oid("resource-config", idx * 4 + c, g.start_s - 240 * DAY_S),
                    "name": size,
                    "deploymentTargetId": target_id,
                    "cpu": cpu,
                    "memory": f"{cpu * 4}Gi",
                    "gpu": gpu,
                    "instanceType": inst,
                    "isDefault": c == 0,
                }
                for c, (size, cpu, gpu, inst) in enumerate(
                    [
                        ("small", 2, 0, "ml.m5.large"),
                        ("large", 8, 0, "ml.m5.2xlarge"),
                        ("gpu", 8, 1, "ml.g5.2xlarge"),
                    ]
                )
            ]
    return types, targets, configs
