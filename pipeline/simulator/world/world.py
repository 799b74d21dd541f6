"""`World`: a consistent synthetic Domino deployment built from a seed (see ../WORLD_API.md)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.audit import PLANTED_ROLE_CHANGE, AuditStore, build_audit
from pipeline.simulator.world.budgets import Budgets, build_budgets, last_full_month
from pipeline.simulator.world.compute import (
    TIERS,
    build_deployment_targets,
    build_environments,
    build_hardware_tiers,
    cost_split,
)
from pipeline.simulator.world.cost import DAY_S, LabelSource, TierPrices, split_into_days
from pipeline.simulator.world.cost_model import CostModel
from pipeline.simulator.world.executions import (
    COMMANDS,
    RUNNING,
    STATUS_NAMES,
    TITLES,
    WORKLOAD_TYPES,
    CostSpike,
    JobRenderContext,
    generate_jobs,
    generate_workspaces,
    new_job_dict,
    render_jobs,
)
from pipeline.simulator.world.gen import Gen, iso
from pipeline.simulator.world.history import EntityTables, History
from pipeline.simulator.world.late_data import LateData, adjustment
from pipeline.simulator.world.people import (
    build_organizations,
    build_service_accounts,
    build_user_credentials,
    build_users,
)
from pipeline.simulator.world.projects import (
    build_billing_tags,
    build_datasets,
    build_projects,
    build_repositories_and_goals,
)
from pipeline.simulator.world.runs import (
    BATCH_ID,
    WORKSPACE_TITLE,
    RunSource,
    batch_id,
    billed_cost,
    build_run_source,
    disk_usage,
    run_record,
    start_position,
    workspace_ids,
    workspace_tool,
)
from pipeline.simulator.world.scale import scale_spec
from pipeline.simulator.world.serving import (
    ProjectRefs,
    Spans,
    app_thumbnails,
    build_ai_gateway,
    build_apps,
    build_data_sources,
    build_model_apis,
    build_registry_and_deployments,
)

DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
DOMINO_LABELS = (
    "workload-type",
    "project-id",
    "project-name",
    "starting-user-username",
    "organization-name",
    "billing-tag",
)
"""The six Domino pod labels a cost client aggregates by; late adjustments are summed over these rows."""


class World:
    """Inventory dicts, jobs and audit events as numpy columns, and cost derived from executions."""

    def __init__(self, seed: int = 42, scale: str = "demo", end: datetime = DEFAULT_END) -> None:
        self.seed, self.scale = int(seed), scale
        self.spec = spec = scale_spec(scale)
        if end.tzinfo is None:
            raise ValueError("world end must be timezone-aware (UTC)")
        self.end = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=spec.days)
        start_s, end_s = int(self.start.timestamp()), int(self.end.timestamp())
        self._start_s, self._end_s = start_s, end_s
        self._id_counter = 0
        self._clock_counter = 0
        self.late = LateData()
        g = Gen(self.seed, spec, start_s, end_s)
        history = History()
        self._build_inventory(g, history)
        self._build_executions(g)
        self._plant_privileged_action(history)
        self._build_audit(history)

    # ---- construction ---------------------------------------------------------------------------
    def _build_inventory(self, g: Gen, history: History) -> None:
        users = build_users(g)
        user_ids = list(users)
        usernames = [u["userName"] for u in users.values()]
        orgs, org_of_user = build_organizations(g, user_ids)
        service_accounts, tokens = build_service_accounts(g)
        tiers = build_hardware_tiers(g)
        envs, revisions = build_environments(g, user_ids[0], usernames[0])
        tags = build_billing_tags(g)
        projects, project_org, owners = build_projects(
            g, user_ids, usernames, org_of_user, list(tags), history
        )
        project_ids = list(projects)
        repos, goals, job_goals = build_repositories_and_goals(g, project_ids)
        datasets, snapshots, grants, shared = build_datasets(g, project_ids, owners, user_ids, history)
        refs = ProjectRefs(
            project_ids,
            [p["name"] for p in projects.values()],
            owners,
            user_ids,
            usernames,
            list(envs),
            list(tiers),
        )
        spans = Spans()
        apps, app_versions, app_instances = build_apps(g, refs, history, spans)
        model_tier = next(k for k, t in enumerate(TIERS) if t.model_api)
        model_apis, model_api_versions = build_model_apis(g, refs, model_tier, history, spans)
        dt_types, dt_targets, dt_configs = build_deployment_targets(g)
        registered, registered_versions, deployments = build_registry_and_deployments(
            g, refs, dt_targets, dt_configs
        )
        data_sources, ds_audit = build_data_sources(g, refs, history)
        ai_endpoints, ai_permissions, ai_audit = build_ai_gateway(g, refs)
        self.collections: dict[str, dict[str, dict]] = {
            "users": users,
            "organizations": orgs,
            "service_accounts": service_accounts,
            "hardware_tiers": tiers,
            "environments": envs,
            "projects": projects,
            "datasets": datasets,
            "snapshots": snapshots,
            "apps": apps,
            "model_apis": model_apis,
            "model_deployments": deployments,
            "registered_models": registered,
            "data_sources": data_sources,
            "ai_gateway_endpoints": ai_endpoints,
            "deployment_target_types": dt_types,
            "deployment_targets": dt_targets,
            "billing_tags": tags,
            "job_goals": job_goals,
        }
        self.children: dict[str, dict[str, list[dict]]] = {
            "project_repositories": repos,
            "project_goals": goals,
            "project_shared_datasets": shared,
            "dataset_grants": grants,
            "environment_revisions": revisions,
            "model_api_versions": model_api_versions,
            "registered_model_versions": registered_versions,
            "app_versions": app_versions,
            "app_instances": app_instances,
            "ai_gateway_permissions": ai_permissions,
            "resource_configurations": dt_configs,
            "service_account_tokens": tokens,
            "user_credentials": build_user_credentials(g, user_ids),
            "app_thumbnails": app_thumbnails(apps),
        }
        # Casing chosen once: PascalCase, as python-domino's live integration tests assert ("Required").
        self.billing_tag_settings = {"mode": "Required", "notifications": True}
        self.project_org = project_org
        self.data_source_audit = ds_audit
        self.ai_gateway_audit = ai_audit
        self.admin_user_id, self.regular_user_id = user_ids[0], user_ids[1]
        self._user_ids, self._usernames, self._project_ids = user_ids, usernames, project_ids
        self._owners = np.array(owners, dtype=np.int32)
        self._tier_ids, self._env_ids = list(tiers), list(envs)
        self._spans = spans
        self._entities = EntityTables()
        self._entities.set("dataset", list(datasets), [d["name"] for d in datasets.values()])
        self._entities.set("app", list(apps), [a["name"] for a in apps.values()])
        self._entities.set("modelApi", list(model_apis), [m["name"] for m in model_apis.values()])
        self._entities.set("dataSource", list(data_sources), [d["name"] for d in data_sources.values()])

    def _build_executions(self, g: Gen) -> None:
        spec = self.spec
        n_users, n_projects = len(self._user_ids), len(self._project_ids)
        self.cost_spike = CostSpike(project=n_projects // 3, day=spec.days - 12)
        self.jobs = generate_jobs(
            self.seed,
            spec.jobs,
            n_projects,
            self._owners,
            n_users,
            len(self._env_ids),
            self._start_s,
            self._end_s,
            spike=self.cost_spike,
        )
        self._job_ids = ids.ReversibleIds(self.seed, "job")
        self._render_ctx = JobRenderContext(
            self.seed,
            self._project_ids,
            self._user_ids,
            self._tier_ids,
            self._env_ids,
            self._job_ids,
            [float(t.memory_gib) for t in TIERS],
        )
        self._dynamic_jobs: dict[str, dict] = {}
        self._dynamic_by_project: dict[str, list[str]] = {}
        self._dynamic_exec: dict[str, tuple[int, int, int, int, float, float | None]] = {}
        ws = generate_workspaces(
            self.seed, spec.workspace_sessions, n_projects, self._owners, n_users, self._start_s, self._end_s
        )
        self.workspaces = ws
        self._run_source: RunSource | None = None
        span_rows = self._spans.rows
        code = {name: k for k, name in enumerate(WORKLOAD_TYPES)}
        j = self.jobs
        job_end = np.where(j.end_s >= 0, j.end_s, np.where(j.start_s >= 0, self._end_s, -1))
        job_start = np.where(j.start_s >= 0, j.start_s, -1)
        self.executions = {
            "workload_type": np.concatenate(
                [
                    np.zeros(j.project.size, np.int64),
                    np.ones(ws[0].size, np.int64),
                    np.array([code[r[0]] for r in span_rows], np.int64),
                ]
            ),
            "project": np.concatenate([j.project, ws[0], [r[1] for r in span_rows]]).astype(np.int64),
            "user": np.concatenate([j.user, ws[1], [r[2] for r in span_rows]]).astype(np.int64),
            "tier": np.concatenate([j.tier, ws[2], [r[3] for r in span_rows]]).astype(np.int64),
            "start_s": np.concatenate([job_start, ws[3], [r[4] for r in span_rows]]).astype(np.int64),
            "end_s": np.concatenate([job_end, ws[4], [r[5] for r in span_rows]]).astype(np.int64),
        }
        e = self.executions
        base = split_into_days(
            e["workload_type"], e["project"], e["user"], e["tier"], e["start_s"], e["end_s"], self._start_s
        )
        prices = TierPrices(
            np.array([t.cents_per_minute / 100 for t in TIERS]),
            np.array([cost_split(t) for t in TIERS]),
            np.array([float(t.cores) for t in TIERS]),
            np.array([float(t.gpus) for t in TIERS]),
            np.array([float(t.memory_gib) for t in TIERS]),
            self.seed,
        )
        self._prices = prices
        self._cost = CostModel(
            base,
            prices,
            LabelSource(
                self._project_ids,
                self._project_names,
                self._project_org_names,
                self._project_tags,
                self._current_usernames,
            ),
            self._start_s,
            spec.days,
        )

    def _plant_privileged_action(self, history: History) -> None:
        """One privilege escalation to find in the audit trail: at 03:17 UTC five days before the end, the
        admin makes the first plain practitioner (after the user key's owner) a SysAdmin."""
        users = self.collections["users"]
        target = next(
            k for k, u in enumerate(self._user_ids) if k >= 2 and "SysAdmin" not in users[u]["roles"]
        )
        at_s = self._end_s - 5 * DAY_S + 3 * 3600 + 17 * 60
        history.add(at_s, "Change User Role", 0, -1, target)
        users[self._user_ids[target]]["roles"] = ["SysAdmin", "Practitioner"]
        self.privileged_action = {
            "event": "Change User Role",
            "timestamp": at_s * 1000,
            "actor_id": self._user_ids[0],
            "target_id": self._user_ids[target],
            "field": "role",
            "before": PLANTED_ROLE_CHANGE[0],
            "after": PLANTED_ROLE_CHANGE[1],
        }

    def _build_audit(self, history: History) -> None:
        j = self.jobs
        cols = build_audit(
            self.seed,
            history,
            j.project,
            j.user,
            j.start_s,
            j.end_s,
            len(self._user_ids),
            len(self._project_ids),
            self.spec.audit_events,
            self._start_s * 1000,
            self._end_s * 1000,
        )
        users = self.collections["users"]
        self._audit = AuditStore(
            self.seed,
            cols,
            self._entities,
            list(self._usernames),
            list(self._user_ids),
            [ids.object_id(self.seed, "idp", k, 0)[8:] for k in range(len(users))],
            list(self._project_ids),
            self._project_names(),
            list(self.collections["billing_tags"]),
            self._job_entities,
            self._job_title_code,
            TITLES,
            self._generated_job_index,
        )

    # ---- label sources read at query time (the HTTP layer may mutate the inventory) ------------
    def _project_names(self) -> list[str]:
        projects = self.collections["projects"]
        return [projects[p]["name"] if p in projects else p for p in self._project_ids]

    def _project_org_names(self) -> list[str | None]:
        orgs = self.collections["organizations"]
        return [orgs.get(self.project_org.get(p, ""), {}).get("name") for p in self._project_ids]

    def _project_tags(self) -> list[str | None]:
        projects = self.collections["projects"]
        return [((projects.get(p) or {}).get("billingTag") or {}).get("tag") for p in self._project_ids]

    def _current_usernames(self) -> list[str]:
        users = self.collections["users"]
        return [users[u]["userName"] if u in users else u for u in self._user_ids]

    # ---- helpers --------------------------------------------------------------------------------
    def new_id(self, kind: str) -> str:
        self._id_counter += 1
        return ids.object_id(self.seed, "runtime:" + kind, self._id_counter, self._end_s + self._id_counter)

    def clock_ms(self) -> int:
        self._clock_counter += 1
        return self._end_s * 1000 + self._clock_counter

    # ---- jobs -----------------------------------------------------------------------------------
    def _project_index(self, project_id: str) -> int:
        if project_id not in self._project_index_map:
            if project_id not in self.collections["projects"]:
                raise KeyError(f"unknown project {project_id}")
            self._project_ids.append(project_id)
            self._project_index_map[project_id] = len(self._project_ids) - 1
        return self._project_index_map[project_id]

    @property
    def _project_index_map(self) -> dict[str, int]:
        if not hasattr(self, "_pim"):
            self._pim = {p: k for k, p in enumerate(self._project_ids)}
        return self._pim

    def _generated_range(self, project_id: str) -> np.ndarray:
        k = self._project_index_map.get(project_id)
        if k is None or k >= len(self.jobs.project_offsets) - 1:
            return np.zeros(0, dtype=np.int32)
        return self.jobs.by_project[self.jobs.project_offsets[k] : self.jobs.project_offsets[k + 1]]

    def job_count(self, project_id: str) -> int:
        held = int(self._generated_range(project_id).size) + len(self._dynamic_by_project.get(project_id, []))
        return held - sum(1 for p in self.late.deleted_jobs.values() if p == project_id)

    def jobs_page(self, project_id: str, offset: int, limit: int, newest_first: bool = True) -> list[dict]:
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be non-negative")
        if project_id in self.late.deleted_jobs.values():  # rare: page over the survivors
            every = self._jobs_page(project_id, 0, 1 << 62, newest_first)
            alive = [j for j in every if j["id"] not in self.late.deleted_jobs]
            return alive[offset : offset + limit]
        return self._jobs_page(project_id, offset, limit, newest_first)

    def _jobs_page(self, project_id: str, offset: int, limit: int, newest_first: bool) -> list[dict]:
        """A page of every job ever generated or started in the project, late changes applied."""
        generated = self._generated_range(project_id)
        dynamic = self._dynamic_by_project.get(project_id, [])
        n_gen, total = generated.size, generated.size + len(dynamic)
        out = []
        positions = range(offset, min(offset + limit, total))
        for pos in positions:
            k = total - 1 - pos if newest_first else pos
            if k >= n_gen:
                out.append(self._dynamic_jobs[dynamic[k - n_gen]])
            else:
                out.append(None)
        gen_positions = [i for i, item in enumerate(out) if item is None]
        if gen_positions:
            ks = [(total - 1 - (offset + i)) if newest_first else offset + i for i in gen_positions]
            rendered = render_jobs(self.jobs, generated[np.array(ks)], self._render_ctx)
            for i, job in zip(gen_positions, rendered, strict=True):
                out[i] = self._finished(job)
        return out

    def _finished(self, job: dict) -> dict:
        """A generated job as it reads after `finish_jobs` (the generated columns never change)."""
        completed = self.late.finished_jobs.get(job["id"])
        if completed is not None:
            job["status"].update({"executionStatus": "Succeeded", "isCompleted": True})
            job["stageTimes"]["startTime"] = job["stageTimes"]["startTime"] or completed
            job["stageTimes"]["completedTime"] = completed
        return job

    def _generated_job_index(self, job_id: str) -> int | None:
        k = self._job_ids.index_of(job_id)
        if k is None or k >= self.jobs.project.size:
            return None
        return k if self._job_ids.render(np.array([k]), self.jobs.submit_s[[k]])[0] == job_id else None

    def job(self, job_id: str) -> dict | None:
        if job_id in self.late.deleted_jobs:
            return None
        if job_id in self._dynamic_jobs:
            return self._dynamic_jobs[job_id]
        k = self._generated_job_index(job_id)
        if k is None:
            return None
        return self._finished(render_jobs(self.jobs, np.array([k]), self._render_ctx)[0])

    def unfinished_job_ids(self) -> list[str]:
        """Jobs still queued or running, oldest first (generated history, then jobs started at run time)."""
        idx = np.nonzero(self.jobs.status >= RUNNING)[0]
        generated = self._job_ids.render(idx, self.jobs.submit_s[idx]) if idx.size else []
        dynamic = [j for j, job in self._dynamic_jobs.items() if not job["status"]["isCompleted"]]
        return [
            j
            for j in [*generated, *dynamic]
            if j not in self.late.finished_jobs and j not in self.late.deleted_jobs
        ]

    def finish_jobs(self, job_ids: list[str] | None = None) -> list[str]:
        """Unfinished jobs end as Succeeded at the world clock (all of them by default); returns their ids."""
        chosen = self.unfinished_job_ids() if job_ids is None else job_ids
        for job_id in chosen:
            if job_id in self._dynamic_jobs:
                self.stop_job(job_id, self._dynamic_jobs[job_id]["startedById"])
                self._dynamic_jobs[job_id]["status"]["executionStatus"] = "Succeeded"
            elif self.job(job_id) is None:
                raise KeyError(f"unknown job {job_id}")
            else:
                self.late.finished_jobs[job_id] = iso(self.clock_ms() / 1000)
        return list(chosen)

    def delete_job(self, job_id: str) -> None:
        """The job vanishes from every list and answers 404 (as a job of a deleted project does)."""
        job = self.job(job_id)
        if job is None:
            raise KeyError(f"unknown job {job_id}")
        self.late.deleted_jobs[job_id] = job["projects"][0]["projectId"]

    def _job_entities(self, idx: np.ndarray) -> tuple[list[str], list[str], list[str]]:
        """(id, title, command) of generated jobs, as audit targets name them."""
        titles = self._job_title_code(idx).tolist()
        return (
            self._job_ids.render(idx, self.jobs.submit_s[idx]),
            [TITLES[t] for t in titles],
            [COMMANDS[t] for t in titles],
        )

    def _job_title_code(self, idx: np.ndarray) -> np.ndarray:
        return (ids.hash_u64(self.seed, "job-render", idx) % np.uint64(len(TITLES))).astype(np.int64)

    def start_job(
        self,
        project_id: str,
        user_id: str,
        command: str,
        hardware_tier_id: str,
        environment_id: str,
        title: str | None = None,
    ) -> dict:
        p = self._project_index(project_id)
        if user_id not in self._user_ids:
            raise KeyError(f"unknown user {user_id}")
        if hardware_tier_id not in self._tier_ids:
            raise KeyError(f"unknown hardware tier {hardware_tier_id}")
        if environment_id not in self.collections["environments"]:
            raise KeyError(f"unknown environment {environment_id}")
        at_ms = self.clock_ms()
        job_id = self.new_id("job")
        job = new_job_dict(
            job_id,
            self.job_count(project_id) + 1,
            title,
            command,
            user_id,
            at_ms / 1000,
            project_id,
            hardware_tier_id,
            environment_id,
        )
        self._dynamic_jobs[job_id] = job
        self._dynamic_by_project.setdefault(project_id, []).append(job_id)
        self._dynamic_exec[job_id] = (
            0,
            p,
            self._user_ids.index(user_id),
            self._tier_ids.index(hardware_tier_id),
            at_ms / 1000,
            None,
        )
        self._refresh_dynamic_cost()
        self.record_event(
            user_id,
            "Start Job",
            within=self._project_entity(project_id),
            targets=[
                {"entity": {"entityType": "job", "id": job_id, "name": title, "tags": []}, "fieldChanges": []}
            ],
            metadata={"command": command},
        )
        return job

    def stop_job(self, job_id: str, user_id: str) -> dict:
        job = self._dynamic_jobs.get(job_id)
        if job is None:
            if self._generated_job_index(job_id) is not None:
                raise ValueError(f"job {job_id} has already finished")
            raise KeyError(f"unknown job {job_id}")
        if job["status"]["isCompleted"]:
            raise ValueError(f"job {job_id} has already finished")
        at_ms = self.clock_ms()
        job["status"].update({"executionStatus": "Stopped", "isCompleted": True})
        job["stageTimes"]["completedTime"] = iso(at_ms / 1000)
        w, p, u, t, start, _ = self._dynamic_exec[job_id]
        self._dynamic_exec[job_id] = (w, p, u, t, start, at_ms / 1000)
        self._refresh_dynamic_cost()
        self.record_event(
            user_id,
            "Stop Job",
            within=self._project_entity(job["projectId"]),
            targets=[
                {
                    "entity": {"entityType": "job", "id": job_id, "name": job["title"], "tags": []},
                    "fieldChanges": [],
                }
            ],
        )
        return job

    def _project_entity(self, project_id: str) -> dict:
        project = self.collections["projects"].get(project_id, {})
        return {"entityType": "project", "id": project_id, "name": project.get("name"), "tags": []}

    def _dynamic_spans(self) -> list[tuple[int, int, int, int, int, int]]:
        """Runtime executions, billed in whole seconds with a one-minute minimum (as pods are)."""
        now = self._end_s + self._clock_counter / 1000
        rows = []
        for w, p, u, t, start, end in self._dynamic_exec.values():
            stop = now if end is None else end
            s = int(start)
            rows.append((w, p, u, t, s, max(int(np.ceil(stop)), s + 60)))
        return rows

    def _refresh_dynamic_cost(self) -> None:
        rows = self._dynamic_spans()
        cols = list(zip(*rows, strict=True)) if rows else [[]] * 6
        self._cost.set_dynamic(*cols)

    # ---- runs (v4 batch export with per-run cost) -------------------------------------------------
    def _runs(self) -> RunSource:
        """The generated runs in batch order, built on first use (the export is rarely read)."""
        if self._run_source is None:
            j = self.jobs
            started = j.start_s >= 0
            ws_project, ws_user, ws_tier, ws_start, ws_end = self.workspaces
            queue = 5 + (ids.uniform(self.seed, "ws-queue", np.arange(ws_start.size)) * 55).astype(np.int64)
            self._run_source = build_run_source(
                j.submit_s,
                j.start_s,
                np.where(j.end_s >= 0, j.end_s, np.where(started, self._end_s, -1)),
                j.end_s >= 0,
                j.tier,
                j.project,
                j.user,
                ws_start - queue,
                ws_start,
                ws_end,
                ws_end < self._end_s,
                ws_tier,
                ws_project,
                ws_user,
            )
        return self._run_source

    def _dynamic_runs(self) -> list[tuple[str, int, int, int, float, float | None, int]]:
        """(job id, project, user, tier, start, end or None, billed seconds) of jobs started at run time."""
        now = self._end_s + self._clock_counter / 1000
        out = []
        for job_id, (_w, p, u, t, start, end) in self._dynamic_exec.items():
            stop = now if end is None else end
            s = int(start)
            out.append((job_id, p, u, t, start, end, max(int(np.ceil(stop)), s + 60) - s))
        return out

    def run_count(self) -> int:
        return self._runs().size + len(self._dynamic_exec)

    def runs_page(self, batch: str, limit: int) -> tuple[list[dict], str | None]:
        """Runs from the starting batch id `batch` ('' = the beginning), and the next page's starting id
        (None once the sequence is exhausted)."""
        if limit < 1:
            raise ValueError("limit must be a positive integer")
        if batch and not BATCH_ID.match(batch):
            raise ValueError(f"{batch} is not a valid ID")
        src, dynamic = self._runs(), self._dynamic_runs()
        queued = np.concatenate([src.queued_s, np.array([int(d[4]) for d in dynamic], dtype=np.int64)])
        first = start_position(batch, queued) if batch else 0
        last = min(first + limit, queued.size)
        rows = self._render_generated_runs(np.arange(first, min(last, src.size)))
        for position in range(max(first, src.size), last):
            rows.append(self._render_dynamic_run(position, dynamic[position - src.size]))
        following = batch_id(int(queued[last]), last) if last < queued.size else None
        return rows, following

    def _user_ref(self, u: int) -> tuple[str, str]:
        user_id = self._user_ids[u]
        return user_id, (self.collections["users"].get(user_id) or {}).get("userName", user_id)

    def _project_ref(self, p: int) -> tuple[str, str, str, str]:
        project_id = self._project_ids[p]
        project = self.collections["projects"].get(project_id) or {}
        return (
            project_id,
            project.get("name", project_id),
            project.get("ownerId"),
            project.get("ownerUsername"),
        )

    def _render_generated_runs(self, positions: np.ndarray) -> list[dict]:
        if positions.size == 0:
            return []
        src, j = self._runs(), self.jobs
        kind, index = src.kind[positions], src.index[positions]
        jobs = index[kind == 0]
        job_ids = iter(self._job_ids.render(jobs, j.submit_s[jobs]))
        job_titles = iter(self._job_title_code(jobs).tolist())
        spaces = index[kind == 1]
        space_ids = iter(workspace_ids(self.seed, spaces, self.workspaces[3][spaces]))
        gib, percent = disk_usage(self.seed, positions)
        seconds = np.where(src.start_s[positions] >= 0, src.end_s[positions] - src.start_s[positions], 0)
        cost = billed_cost(seconds, self._prices.dollars_per_minute[src.tier[positions]])
        rows = []
        for k, pos in enumerate(positions.tolist()):
            start, end = int(src.start_s[pos]), int(src.end_s[pos])
            if kind[k] == 0:
                title = next(job_titles)
                run_id, name, command, run_type = next(job_ids), TITLES[title], COMMANDS[title], "Batch"
                status = STATUS_NAMES[int(j.status[index[k]])]
            else:
                run_id, name, run_type = next(space_ids), WORKSPACE_TITLE, "Workspace"
                command = workspace_tool(self.seed, int(index[k]))
                status = "Stopped" if src.finished[pos] else "Running"
            rows.append(
                run_record(
                    run_id=run_id,
                    batch=batch_id(int(src.queued_s[pos]), pos),
                    title=name,
                    command=command,
                    status=status,
                    run_type=run_type,
                    user=self._user_ref(int(src.user[pos])),
                    project=self._project_ref(int(src.project[pos])),
                    tier_id=self._tier_ids[int(src.tier[pos])],
                    queued_s=int(src.queued_s[pos]),
                    start_s=start if start >= 0 else None,
                    end_s=end if src.finished[pos] else None,
                    duration_s=int(seconds[k]),
                    cost=float(cost[k]),
                    disk=(float(gib[k]), float(percent[k])) if start >= 0 else (None, None),
                )
            )
        return rows

    def _render_dynamic_run(self, position: int, run: tuple) -> dict:
        job_id, p, u, t, start, end, billed = run
        job = self._dynamic_jobs[job_id]
        gib, percent = disk_usage(self.seed, np.array([position]))
        return run_record(
            run_id=job_id,
            batch=batch_id(int(start), position),
            title=job.get("title"),
            command=job.get("runCommand", ""),
            status=job["status"]["executionStatus"],
            run_type="Batch",
            user=self._user_ref(u),
            project=self._project_ref(p),
            tier_id=self._tier_ids[t],
            queued_s=start,
            start_s=start,
            end_s=end,
            duration_s=billed,
            cost=float(billed_cost(np.array([billed]), self._prices.dollars_per_minute[t])[0]),
            disk=(float(gib[0]), float(percent[0])),
        )

    def _run_cost_total(self) -> float:
        src = self._runs()
        seconds = np.where(src.start_s >= 0, src.end_s - src.start_s, 0)
        generated = float(billed_cost(seconds, self._prices.dollars_per_minute[src.tier]).sum())
        dynamic = sum(
            b / 60 * self._prices.dollars_per_minute[t] for _, _, _, t, _, _, b in self._dynamic_runs()
        )
        return generated + float(dynamic)

    def run_costs(self) -> dict[str, float]:
        """Ground truth: every run's cost in dollars (unrounded), by run id, in batch order."""
        src, j = self._runs(), self.jobs
        seconds = np.where(src.start_s >= 0, src.end_s - src.start_s, 0)
        cost = billed_cost(seconds, self._prices.dollars_per_minute[src.tier]).tolist()
        is_job = src.kind == 0
        job_ids = iter(self._job_ids.render(src.index[is_job], j.submit_s[src.index[is_job]]))
        space_idx = src.index[~is_job]
        space_ids = iter(workspace_ids(self.seed, space_idx, self.workspaces[3][space_idx]))
        out = {
            (next(job_ids) if job else next(space_ids)): c
            for job, c in zip(is_job.tolist(), cost, strict=True)
        }
        for job_id, _p, _u, t, _s, _e, billed in self._dynamic_runs():
            out[job_id] = float(billed_cost(np.array([billed]), self._prices.dollars_per_minute[t])[0])
        return out

    # ---- cost -----------------------------------------------------------------------------------
    def cost_allocation(
        self, start: datetime, end: datetime, aggregate: list[str], accumulate: bool, summary: bool = False
    ) -> list[dict]:
        rows = self._cost.allocation(start, end, aggregate, accumulate, summary)
        return self.late.adjust(self.late.retained(rows))

    def cost_assets(self, start: datetime, end: datetime, accumulate: bool) -> list[dict]:
        return self.late.retained(self._cost.assets(start, end, accumulate))

    def keep_cost_and_audit_from(self, day: date) -> None:
        """Retention: cost rows and audit events before `day` are gone from every answer."""
        self.late.keep_from(day)

    def add_cost_adjustment(self, day: date, factor: float) -> float:
        """Late settlement of `day`: every allocation row gets `cpuCostAdjustment = cpuCost × factor` (added
        to its `totalCost`); returns the day's total adjustment."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        key = start.strftime("%Y-%m-%d")
        self.late.adjustment_factors.pop(key, None)
        rows = self._cost.allocation(start, start + timedelta(days=1), list(DOMINO_LABELS), False)
        total = round(sum(adjustment(r["cpuCost"], factor) for r in rows if r["name"] != "__idle__"), 6)
        self.late.adjustment_factors[key] = factor
        self.late.adjustment_totals[key] = total
        return total

    def executions_table(self) -> dict[str, np.ndarray]:
        """Every execution incl. runtime ones: workload_type, project, user, tier, start_s, end_s (billed)."""
        rows = self._dynamic_spans()
        extra = np.array(rows, dtype=np.int64).reshape(-1, 6)
        names = ["workload_type", "project", "user", "tier", "start_s", "end_s"]
        return {n: np.concatenate([self.executions[n], extra[:, k]]) for k, n in enumerate(names)}

    # ---- audit ----------------------------------------------------------------------------------
    def audit_events(
        self,
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        actor_id: str | None = None,
        actor_name: str | None = None,
        event: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        target_name: str | None = None,
        within_project_id: str | None = None,
        within_project_name: str | None = None,
        sort: list[tuple[str, bool]] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[dict], int]:
        filters = {
            "actor_id": actor_id,
            "actor_name": actor_name,
            "event": event,
            "target_type": target_type,
            "target_id": target_id,
            "target_name": target_name,
            "within_project_id": within_project_id,
            "within_project_name": within_project_name,
        }
        retention = self.late.retention_ms
        if retention is not None:
            start_ms = retention if start_ms is None else max(start_ms, retention)
            end_ms = end_ms if end_ms is None else max(end_ms, start_ms)
        return self._audit.query(start_ms, end_ms, filters, sort or [("timestamp", True)], offset, limit)

    def repeat_event(self, event: dict) -> dict:
        """Record an exact copy of `event` (a double click: same actor, action, target and millisecond)."""
        return self._audit.append(copy.deepcopy(event))

    def record_event(
        self,
        actor_id: str,
        event_name: str,
        *,
        within: dict | None = None,
        targets=(),
        affecting=(),
        metadata: dict | None = None,
    ) -> dict:
        actor = (
            self.collections["users"].get(actor_id)
            or self.collections["service_accounts"].get(actor_id)
            or {}
        )
        event = {
            "timestamp": self.clock_ms(),
            "actor": {
                "id": actor_id,
                "idpId": actor.get("idpId"),
                "name": actor.get("userName") or actor.get("username"),
            },
            "action": {"eventName": event_name, "using": [], "traceId": self.new_id("trace")[8:]},
            "targets": [dict(t) for t in targets],
            "affecting": list(affecting),
            "metadata": {k: str(v) for k, v in (metadata or {}).items()},
        }
        if within:
            event["in"] = within
        return self._audit.append(event)

    # ---- budgets --------------------------------------------------------------------------------
    @property
    def budgets(self) -> Budgets:
        """Budget defaults, overrides and alert settings; derived on first use from the last full
        month's spend (then frozen, so later writes to projects do not move the limits)."""
        if not hasattr(self, "_budgets"):
            self._budgets = self._build_budgets()
        return self._budgets

    def _spend_by(self, label: str, month: tuple[datetime, datetime]) -> dict[str, float]:
        rows = self._cost.allocation(month[0], month[1], [label], True)
        return {r["name"]: r["totalCost"] for r in rows if not r["name"].startswith("__")}

    def _build_budgets(self) -> Budgets:
        month = last_full_month(self.end)
        month = (max(month[0], self.start), month[1])
        org_ids = {o["name"]: o["id"] for o in self.collections["organizations"].values()}
        tag_ids = {t["tag"]: t["tagId"] for t in self.collections["billing_tags"].values() if t.get("active")}
        orgs = self._spend_by("organization-name", month)
        tags = self._spend_by("billing-tag", month)
        return build_budgets(
            self._spend_by("project-id", month),
            {org_ids[name]: v for name, v in orgs.items() if name in org_ids},
            {tag_ids[name]: v for name, v in tags.items() if name in tag_ids},
            month,
        )

    # ---- ground truth ---------------------------------------------------------------------------
    def truth(self) -> dict:
        days = self._cost.day_totals(-(10**6), 10**6)
        day_name = {d: (self.start + timedelta(days=d)).strftime("%Y-%m-%d") for d in days}
        cost_per_day, execution_cost = {}, {}
        for d, t in days.items():
            compute = t["cpu"] + t["gpu"] + t["ram"]
            idle = t["idle_cpu"] + t["idle_gpu"] + t["idle_ram"]
            other = t["pv"] + t["network"] + t["load_balancer"] + t["shared"]
            adjusted = self.late.adjustment_totals.get(day_name[d], 0.0)
            cost_per_day[day_name[d]] = {
                "compute": round(compute, 6),
                "idle": round(idle, 6),
                "adjustment": adjusted,
                "total": round(compute + idle + other + adjusted, 6),
            }
            execution_cost[day_name[d]] = round(compute, 6)
        ts = self._audit.cols.ts
        per_day = np.bincount((ts - self._start_s * 1000) // (DAY_S * 1000), minlength=self.spec.days)
        audit_per_day = {
            (self.start + timedelta(days=k)).strftime("%Y-%m-%d"): int(n) for k, n in enumerate(per_day) if n
        }
        for e in self._audit.dynamic:
            key = datetime.fromtimestamp(e["timestamp"] / 1000, tz=UTC).strftime("%Y-%m-%d")
            audit_per_day[key] = audit_per_day.get(key, 0) + 1
        return {
            "seed": self.seed,
            "scale": self.scale,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
            "collections": {name: len(items) for name, items in self.collections.items()},
            "budgets": {
                "defaults": len(self.budgets.defaults),
                "overrides": len(self.budgets.overrides),
            },
            "children": {name: sum(len(v) for v in items.values()) for name, items in self.children.items()},
            "jobs": sum(self.job_count(p) for p in self.collections["projects"]),
            "jobs_per_project": {p: self.job_count(p) for p in self.collections["projects"]},
            "audit_events": self._audit.total,
            "audit_events_per_day": audit_per_day,
            "cost_per_day": cost_per_day,
            "execution_cost_per_day": execution_cost,
            "runs": self.run_count(),
            "planted": {
                "cost_spike": {
                    "project_id": self._project_ids[self.cost_spike.project],
                    "day": (self.start + timedelta(days=self.cost_spike.day)).strftime("%Y-%m-%d"),
                },
                "privileged_action": self.privileged_action,
            },
            "run_cost_total": round(self._run_cost_total(), 6),
        }
