"""Projects and what hangs off them: billing tags, repositories, goals, datasets, snapshots, grants."""

from __future__ import annotations

from pipeline.simulator.world.gen import DAY_S, Gen, iso
from pipeline.simulator.world.history import History

TOPICS = [
    "churn",
    "fraud",
    "forecast",
    "pricing",
    "nlp",
    "vision",
    "recsys",
    "credit-risk",
    "demand",
    "anomaly",
    "ltv",
    "attribution",
    "segmentation",
    "llm-eval",
    "claims",
    "inventory",
]
ROLES = ["contributor", "launcherUser", "resultsConsumer", "projectImporter"]
UNTAGGED_SHARE = 0.2


def build_billing_tags(g: Gen) -> dict[str, dict]:
    count = max(6, g.spec.projects // 40)
    tags: dict[str, dict] = {}
    for k in range(count):
        tag = f"CC-{1001 + k}"
        tags[tag] = {
            "tag": tag,
            "tagId": g.oid("billing-tag", k, g.start_s - 100 * DAY_S),
            "active": k % 5 != 4,
        }
    return tags


def build_projects(
    g: Gen,
    user_ids: list[str],
    usernames: list[str],
    org_of_user: list[str],
    tags: list[str],
    history: History,
) -> tuple[dict[str, dict], dict[str, str], list[int]]:
    """Projects with owner, collaborators and a billing tag (about a fifth untagged).

    Returns (projects, project_org, owner index per project)."""
    projects: dict[str, dict] = {}
    project_org: dict[str, str] = {}
    owners: list[int] = []
    n_users = len(user_ids)
    for p in range(g.spec.projects):
        created = g.early("project-created", p)
        owner = g.n("project-owner", p, 0, n_users - 1)
        name = f"{TOPICS[p % len(TOPICS)]}-{p}"
        pid = g.oid("project", p, created)
        collaborators = []
        for c, u in enumerate(g.sample("project-collab", p, range(n_users), g.n("project-ncollab", p, 0, 4))):
            if u == owner:
                continue
            role = g.pick("collab-role", p * 8 + c, ROLES)
            collaborators.append({"id": user_ids[u], "role": role})
            history.add(created + 3600 * (c + 1), "Add Collaborator", owner, p, u)
        record = {
            "id": pid,
            "name": name,
            "description": f"{TOPICS[p % len(TOPICS)]} models and analysis",
            "ownerId": user_ids[owner],
            "ownerUsername": usernames[owner],
            "visibility": g.pick("project-visibility", p, ["Private", "Private", "Public", "Searchable"]),
            "isRestricted": g.u("project-restricted", p) < 0.05,
            "collaborators": collaborators,
            "mainRepository": None,
            "internalTags": [],
        }
        history.add(created, "Create Project", owner, p, p)
        if g.u("project-untagged", p) >= UNTAGGED_SHARE:
            t = g.n("project-tag", p, 0, len(tags) - 1)
            record["billingTag"] = {"tag": tags[t]}
            history.add(created + 60, "Change Project Billing Tag", 0, p, p, t)
        projects[pid] = record
        owners.append(owner)
        if org_of_user[owner]:
            project_org[pid] = org_of_user[owner]
    return projects, project_org, owners


def build_repositories_and_goals(g: Gen, project_ids: list[str]) -> tuple[dict, dict, dict[str, dict]]:
    repos: dict[str, list[dict]] = {}
    goals: dict[str, list[dict]] = {}
    job_goals: dict[str, dict] = {}
    for p, pid in enumerate(project_ids):
        repos[pid] = [
            {
                "id": g.oid("repository", p * 4 + r, g.early("repo", p)),
                "name": f"repo-{p}-{r}",
                "uri": f"https://github.com/example-corp/repo-{p}-{r}.git",
                "serviceProvider": "Github",
                "defaultRef": {"refType": "Branch", "value": "main"},
            }
            for r in range(g.n("project-repos", p, 0, 2))
        ]
        goals[pid] = []
        for k in range(g.n("project-goals", p, 0, 3)):
            goal = {
                "id": g.oid("goal", p * 4 + k, g.early("goal", p * 4 + k)),
                "projectId": pid,
                "title": g.pick(
                    "goal-title",
                    p * 4 + k,
                    ["Baseline model", "Beat baseline by 5%", "Productionise", "Write report"],
                ),
                "description": "",
                "isComplete": g.u("goal-done", p * 4 + k) < 0.4,
            }
            goals[pid].append(goal)
            job_goals[goal["id"]] = goal
    return repos, goals, job_goals


def build_datasets(
    g: Gen, project_ids: list[str], owners: list[int], user_ids: list[str], history: History
) -> tuple[dict, dict, dict, dict]:
    """Datasets (each owned by a project) with snapshots, tags and grants; plus shared datasets."""
    datasets: dict[str, dict] = {}
    snapshots: dict[str, dict] = {}
    grants: dict[str, list[dict]] = {}
    shared: dict[str, list[dict]] = {pid: [] for pid in project_ids}
    for d in range(g.spec.datasets):
        p = g.n("dataset-project", d, 0, len(project_ids) - 1)
        created = g.time_in("dataset-created", d, g.start_s, g.start_s + (g.end_s - g.start_s) * 0.4)
        did = g.oid("dataset", d, created)
        snap_ids = []
        for s in range(g.n("dataset-snaps", d, 1, 4)):
            at = created + s * 7 * DAY_S
            sid = g.oid("snapshot", d * 8 + s, at)
            snap_ids.append(sid)
            snapshots[sid] = {
                "id": sid,
                "datasetId": did,
                "createdAt": iso(at),
                "creatorId": user_ids[owners[p]],
                "status": "Active",
                "version": s,
                "storageSize": g.n("snap-size", d * 8 + s, 10**6, 10**10),
            }
        tag_map = {"latest": snap_ids[-1]}
        if len(snap_ids) > 1:
            tag_map["baseline"] = snap_ids[0]
        datasets[did] = {
            "id": did,
            "name": f"dataset-{d}",
            "createdAt": iso(created),
            "snapshotIds": snap_ids,
            "tags": tag_map,
            "projectId": project_ids[p],
            "description": f"Dataset {d}",
        }
        history.add(created, "Create Dataset", owners[p], p, d)
        grants[did] = [
            {"targetId": user_ids[owners[p]], "targetRole": "DatasetRwOwner", "isOrganization": False}
        ]
        for k, u in enumerate(
            g.sample("dataset-grant", d, range(len(user_ids)), g.n("dataset-ngrant", d, 0, 2))
        ):
            if u == owners[p]:
                continue
            grants[did].append(
                {
                    "targetId": user_ids[u],
                    "isOrganization": False,
                    "targetRole": g.pick("grant-role", d * 4 + k, ["DatasetRwEditor", "DatasetRwReader"]),
                }
            )
            history.add(created + 600 * (k + 1), "Add Grant For Dataset", owners[p], p, d, u)
        if g.u("dataset-shared", d) < 0.3:
            other = g.n("dataset-share-to", d, 0, len(project_ids) - 1)
            if other != p:
                shared[project_ids[other]].append(
                    {"datasetId": did, "datasetName": f"dataset-{d}", "projectId": project_ids[p]}
                )
    return datasets, snapshots, grants, shared
