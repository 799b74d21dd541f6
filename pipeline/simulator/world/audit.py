"""The audit trail as numpy columns sorted by time; events are rendered to dicts only for the page served.

Generated events: inventory history (creations, collaborators, grants, tag assignments), a Start/Stop
Job pair per generated job, billing-setting changes, and everyday file noise. Runtime writes append
dict events (timestamps from the world clock, so always after the generated history)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.cost import gc_paused
from pipeline.simulator.world.history import EntityTables, History

# event name -> target entity type (None: no target); whether it happens inside a project
EVENT_TYPES: dict[str, str | None] = {
    "Create Project": "project",
    "Add Collaborator": "user",
    "Change User Role": "user",
    "Start Job": "job",
    "Stop Job": "job",
    "Create Dataset": "dataset",
    "Add Grant For Dataset": "dataset",
    "Publish App": "app",
    "Create Model API": "modelApi",
    "Change Project Billing Tag": "project",
    "Change Billing Tag Settings": "billingTagSettings",
    "Create Data Source": "dataSource",
    "View File": "file",
    "Download Files": "file",
    "Edit File": "file",
    "Upload Files": "file",
    "View Repo File": "file",
    "Create Branch on Repo": "file",
}
EVENT_NAMES = list(EVENT_TYPES)
EVENT_CODE = {name: k for k, name in enumerate(EVENT_NAMES)}
NOISE = [
    "View File",
    "Download Files",
    "Edit File",
    "Upload Files",
    "View Repo File",
    "Create Branch on Repo",
]
NOISE_WEIGHTS = [50, 15, 15, 8, 10, 2]
FILE_PATHS = [
    f"{d}/{f}"
    for d in ("src", "notebooks", "data", "reports")
    for f in ("train.py", "eval.ipynb", "features.sql", "summary.md", "model.pkl", "config.yaml")
]
SETTING_MODES = ["Optional", "Required"]
PLANTED_ROLE_CHANGE = ("Practitioner", "SysAdmin")
"""(before, after) of the one planted `Change User Role` event (see World.privileged_action)."""
JOB_CODES = [EVENT_CODE["Start Job"], EVENT_CODE["Stop Job"]]
JOB_KEY = -1  # the target-cache key of every job event (its placeholder is replaced per event)
SORT_FIELDS = (
    "timestamp",
    "actorId",
    "actorName",
    "withinProjectId",
    "withinProjectName",
    "event",
    "targetType",
    "targetName",
)


def _vocab_key(vocab: list[str], value: str | None) -> float:
    """The sort position of a string among a sorted vocabulary (between neighbours when absent)."""
    if value is None:
        return -1.0
    k = bisect.bisect_left(vocab, value)
    return float(k) if k < len(vocab) and vocab[k] == value else k - 0.5


@dataclass
class AuditColumns:
    ts: np.ndarray  # int64 epoch ms, ascending
    event: np.ndarray  # int16 code into EVENT_NAMES
    actor: np.ndarray  # int32 user index
    project: np.ndarray  # int32 project index, -1 outside projects
    target: np.ndarray  # int32 index in the target kind's table (jobs: global job index)
    aux: np.ndarray  # int32 (grantee user, billing tag, setting mode)


def build_audit(
    seed: int,
    history: History,
    job_project: np.ndarray,
    job_user: np.ndarray,
    job_start_s: np.ndarray,
    job_end_s: np.ndarray,
    n_users: int,
    n_projects: int,
    target_total: int,
    start_ms: int,
    end_ms: int,
) -> AuditColumns:
    parts: list[tuple[np.ndarray, ...]] = []
    parts.append(
        (
            np.array(history.ts_ms, dtype=np.int64),
            np.array([EVENT_CODE[e] for e in history.event], dtype=np.int16),
            np.array(history.actor, dtype=np.int32),
            np.array(history.project, dtype=np.int32),
            np.array(history.target, dtype=np.int32),
            np.array(history.aux, dtype=np.int32),
        )
    )
    jobs = np.arange(job_project.size, dtype=np.int32)
    for name, when in (("Start Job", job_start_s), ("Stop Job", job_end_s)):
        has = when >= 0
        sel = jobs[has]
        jitter = (ids.hash_u64(seed, "audit-" + name, sel) % np.uint64(1000)).astype(np.int64)
        parts.append(
            (
                when[has] * 1000 + jitter,
                np.full(sel.size, EVENT_CODE[name], np.int16),
                job_user[has],
                job_project[has],
                sel,
                np.full(sel.size, -1, np.int32),
            )
        )
    n_settings = 3
    k = np.arange(n_settings)
    parts.append(
        (
            start_ms + (k + 1) * (end_ms - start_ms) // (n_settings + 1),
            np.full(n_settings, EVENT_CODE["Change Billing Tag Settings"], np.int16),
            np.zeros(n_settings, np.int32),
            np.full(n_settings, -1, np.int32),
            np.zeros(n_settings, np.int32),
            (k % 2).astype(np.int32),
        )
    )
    fixed = sum(p[0].size for p in parts)
    n_noise = max(target_total - fixed, target_total // 10)
    i = np.arange(n_noise, dtype=np.int64)
    noise_ts = start_ms + ((i + ids.uniform(seed, "noise-ts", i)) * ((end_ms - start_ms) / n_noise)).astype(
        np.int64
    )
    noise_event = np.array([EVENT_CODE[n] for n in NOISE], np.int16)[
        ids.weighted_choice(seed, "noise-event", i, np.array(NOISE_WEIGHTS))
    ]
    weights = ids.uniform(seed, "project-weight", np.arange(n_projects)) ** 3 + 0.02
    parts.append(
        (
            noise_ts,
            noise_event,
            ids.choice(seed, "noise-actor", i, n_users).astype(np.int32),
            ids.weighted_choice(seed, "noise-project", i, weights).astype(np.int32),
            ids.choice(seed, "noise-file", i, len(FILE_PATHS)).astype(np.int32),
            np.full(n_noise, -1, np.int32),
        )
    )
    cols = [np.concatenate([p[c] for p in parts]) for c in range(6)]
    order = np.argsort(cols[0], kind="stable")
    return AuditColumns(*(c[order] for c in cols))


@dataclass
class AuditStore:
    """Answers audit queries over generated columns plus runtime events."""

    seed: int
    cols: AuditColumns
    entities: EntityTables
    usernames: list[str]
    user_ids: list[str]
    user_idp: list[str]
    project_ids: list[str]
    project_names: list[str]
    tag_names: list[str]
    job_entities: Callable[[np.ndarray], tuple[list[str], list[str], list[str]]]  # -> ids, titles, commands
    job_title_code: Callable[[np.ndarray], np.ndarray]  # job indices -> title index
    job_titles: list[str]
    job_index_of: Callable[[str], int | None]
    dynamic: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._user_by_id = {u: k for k, u in enumerate(self.user_ids)}
        # rendering caches: one shared sub-object per distinct id (see render_many)
        self._actor_dicts = [
            {"id": u, "idpId": idp, "name": n}
            for u, idp, n in zip(self.user_ids, self.user_idp, self.usernames, strict=True)
        ]
        self._inside_dicts = [
            _entity("project", p, n) for p, n in zip(self.project_ids, self.project_names, strict=True)
        ]
        # index -1 (outside any project) reads the trailing empty list
        self._affecting_lists = [[inside] for inside in self._inside_dicts] + [[]]
        self._targets_cache: dict[int, list[dict]] = {JOB_KEY: []}  # job targets are rendered per event
        if self.cols.ts.size and max(int(self.cols.target.max()), int(self.cols.aux.max()) + 1) >= 1 << 21:
            raise ValueError("audit target/aux indices must stay below 2**21 (cache keys pack them)")
        self._ev_target_type = [EVENT_TYPES[n] for n in EVENT_NAMES]
        kinds = {
            "project": self.project_names,
            "user": self.usernames,
            "file": FILE_PATHS,
            "job": self.job_titles,
        }
        for kind in ("dataset", "app", "modelApi", "dataSource"):
            kinds[kind] = self.entities.tables[kind][1]
        kinds["billingTagSettings"] = ["mode"]
        self._kind_names = kinds
        self._name_vocab = sorted({n for names in kinds.values() for n in names})
        pos = {n: k for k, n in enumerate(self._name_vocab)}
        self._kind_name_rank = {
            k: np.array([pos[n] for n in names] or [0], np.int64) for k, names in kinds.items()
        }
        self._vocabs = {
            "actorId": sorted(self.user_ids),
            "actorName": sorted(self.usernames),
            "withinProjectId": sorted(self.project_ids),
            "withinProjectName": sorted(self.project_names),
            "event": sorted(EVENT_NAMES),
            "targetType": sorted({t for t in EVENT_TYPES.values() if t}),
            "targetName": self._name_vocab,
        }
        self._rank = {
            "actorId": np.array([_vocab_key(self._vocabs["actorId"], u) for u in self.user_ids]),
            "actorName": np.array([_vocab_key(self._vocabs["actorName"], u) for u in self.usernames]),
            "withinProjectId": np.array(
                [_vocab_key(self._vocabs["withinProjectId"], p) for p in self.project_ids] + [-1.0]
            ),
            "withinProjectName": np.array(
                [_vocab_key(self._vocabs["withinProjectName"], p) for p in self.project_names] + [-1.0]
            ),
            "event": np.array([_vocab_key(self._vocabs["event"], e) for e in EVENT_NAMES]),
            "targetType": np.array([_vocab_key(self._vocabs["targetType"], t) for t in self._ev_target_type]),
        }

    @property
    def total(self) -> int:
        return int(self.cols.ts.size) + len(self.dynamic)

    # ---- runtime events -------------------------------------------------------------------------
    def append(self, event: dict) -> dict:
        self.dynamic.append(event)
        return event

    # ---- queries --------------------------------------------------------------------------------
    def query(
        self,
        start_ms: int | None,
        end_ms: int | None,
        filters: dict[str, str | None],
        sort: list[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> tuple[list[dict], int]:
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be non-negative")
        for name, _ in sort:
            if name not in SORT_FIELDS:
                raise ValueError(f"unsupported sort field {name!r}; expected one of {', '.join(SORT_FIELDS)}")
        ts = self.cols.ts
        lo = 0 if start_ms is None else int(np.searchsorted(ts, start_ms, side="left"))
        hi = ts.size if end_ms is None else int(np.searchsorted(ts, end_ms, side="left"))
        hi = max(lo, hi)
        active = {k: v for k, v in filters.items() if v is not None and v != ""}
        dyn = [
            e
            for e in self.dynamic
            if (start_ms is None or e["timestamp"] >= start_ms)
            and (end_ms is None or e["timestamp"] < end_ms)
            and _dyn_match(e, active)
        ]
        by_time = all(f == "timestamp" for f, _ in sort) and sort
        ascending = sort[0][1] if sort else True
        if not active and by_time:
            total = (hi - lo) + len(dyn)
            return self._page_by_time(None, lo, hi, dyn, ascending, offset, limit), total
        gen = lo + np.flatnonzero(self._mask(lo, hi, active)) if active else np.arange(lo, hi)
        total = gen.size + len(dyn)
        if by_time:
            return self._page_by_time(gen, 0, gen.size, dyn, ascending, offset, limit), total
        keys_gen = [self._gen_key(f, gen) for f, _ in sort]
        keys_dyn = [np.array([self._dyn_key(f, e) for e in dyn], dtype=np.float64) for f, _ in sort]
        all_keys = [
            np.concatenate([kg.astype(np.float64), kd]) for kg, kd in zip(keys_gen, keys_dyn, strict=True)
        ]
        stop = min(offset + limit, total)
        order = _first_in_order(all_keys, sort, stop)
        if order is None:
            position = np.arange(total)
            lex = [position] + [
                k if asc else -k for k, (_, asc) in reversed(list(zip(all_keys, sort, strict=True)))
            ]
            order = np.lexsort(lex)
        order = order[offset:stop]
        picks = [("g", int(gen[o])) if o < gen.size else ("d", o - gen.size) for o in order.tolist()]
        return self._materialise(picks, dyn), total

    def _page_by_time(
        self,
        gen: np.ndarray | None,
        lo: int,
        hi: int,
        dyn: list[dict],
        ascending: bool,
        offset: int,
        limit: int,
    ) -> list[dict]:
        """A page of generated events (time order = index order) followed by runtime ones (always later)."""
        n_gen = hi - lo
        total = n_gen + len(dyn)
        pos = np.arange(offset, max(offset, min(offset + limit, total)), dtype=np.int64)
        k = pos if ascending else total - 1 - pos
        is_gen = k < n_gen
        gen_k = k[is_gen] + lo
        rendered = self.render_many(gen[gen_k] if gen is not None else gen_k)
        if not dyn:
            return rendered
        it = iter(rendered)
        return [next(it) if g else dyn[x - n_gen] for x, g in zip(k.tolist(), is_gen.tolist(), strict=True)]

    def _materialise(self, picks: list[tuple[str, int]], dyn: list[dict]) -> list[dict]:
        rendered = iter(self.render_many(np.array([k for kind, k in picks if kind == "g"], dtype=np.int64)))
        return [dyn[k] if kind == "d" else next(rendered) for kind, k in picks]

    def _mask(self, lo: int, hi: int, f: dict[str, str]) -> np.ndarray:
        c = self.cols
        mask = np.ones(hi - lo, dtype=bool)
        if "actor_id" in f:
            mask &= c.actor[lo:hi] == self._user_by_id.get(f["actor_id"], -2)
        if "actor_name" in f:
            mask &= np.isin(c.actor[lo:hi], [k for k, n in enumerate(self.usernames) if n == f["actor_name"]])
        if "event" in f:
            mask &= c.event[lo:hi] == EVENT_CODE.get(f["event"], -2)
        if "target_type" in f:
            codes = [k for k, t in enumerate(self._ev_target_type) if t == f["target_type"]]
            mask &= np.isin(c.event[lo:hi], codes)
        if "within_project_id" in f:
            mask &= np.isin(
                c.project[lo:hi], [k for k, p in enumerate(self.project_ids) if p == f["within_project_id"]]
            )
        if "within_project_name" in f:
            mask &= np.isin(
                c.project[lo:hi],
                [k for k, p in enumerate(self.project_names) if p == f["within_project_name"]],
            )
        if "target_id" in f:
            mask &= self._target_id_mask(lo, hi, f["target_id"])
        if "target_name" in f:
            want = _vocab_key(self._name_vocab, f["target_name"])
            mask &= self._gen_key("targetName", np.arange(lo, hi)) == want
        return mask

    def _target_id_mask(self, lo: int, hi: int, target_id: str) -> np.ndarray:
        c = self.cols
        job = self.job_index_of(target_id)
        if job is not None:
            return np.isin(c.event[lo:hi], [EVENT_CODE["Start Job"], EVENT_CODE["Stop Job"]]) & (
                c.target[lo:hi] == job
            )
        mask = np.zeros(hi - lo, dtype=bool)
        for kind in ("project", "user", "dataset", "app", "modelApi", "dataSource"):
            ids_ = (
                self.project_ids
                if kind == "project"
                else (self.user_ids if kind == "user" else self.entities.tables[kind][0])
            )
            if target_id in ids_:
                codes = [k for k, t in enumerate(self._ev_target_type) if t == kind]
                mask |= np.isin(c.event[lo:hi], codes) & (c.target[lo:hi] == ids_.index(target_id))
        return mask

    def _gen_key(self, field_name: str, idx: np.ndarray) -> np.ndarray:
        c = self.cols
        if field_name == "timestamp":
            return c.ts[idx]
        if field_name in ("actorId", "actorName"):
            return self._rank[field_name][c.actor[idx]]
        if field_name in ("withinProjectId", "withinProjectName"):
            return self._rank[field_name][c.project[idx]]
        if field_name in ("event", "targetType"):
            return self._rank[field_name][c.event[idx]]
        events, targets = c.event[idx], c.target[idx]
        key = np.full(idx.size, -1.0)
        for code, kind in enumerate(self._ev_target_type):
            sel = events == code
            if not sel.any() or kind is None:
                continue
            tgt = targets[sel]
            if kind == "job":
                key[sel] = self._kind_name_rank["job"][self.job_title_code(tgt)]
            else:
                key[sel] = self._kind_name_rank[kind][tgt]
        return key

    def _dyn_key(self, field_name: str, e: dict) -> float:
        if field_name == "timestamp":
            return float(e["timestamp"])
        target = e["targets"][0]["entity"] if e["targets"] else {}
        inside = e.get("in") or {}
        value = {
            "actorId": e["actor"].get("id"),
            "actorName": e["actor"].get("name"),
            "withinProjectId": inside.get("id"),
            "withinProjectName": inside.get("name"),
            "event": e["action"]["eventName"],
            "targetType": target.get("entityType"),
            "targetName": target.get("name"),
        }[field_name]
        return _vocab_key(self._vocabs[field_name], value)

    # ---- rendering ------------------------------------------------------------------------------
    def render_many(self, idx: np.ndarray) -> list[dict]:
        """AuditEvent dicts for generated event indices.

        A page is rendered from `.tolist()` columns: each event gets fresh top-level, `action` and
        `metadata` dicts, while the sub-objects that only depend on ids (actor, the project in `in` and
        `affecting`, non-job targets) are built once per distinct id and shared. Nothing mutates them: the
        HTTP layer serialises pages, and its fault injection rewrites a re-parsed copy of the bytes."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return []
        with gc_paused():
            return self._render(idx)

    def _render(self, idx: np.ndarray) -> list[dict]:
        c = self.cols
        codes = c.event[idx]
        target_col = c.target[idx].astype(np.int64)
        is_job = np.isin(codes, JOB_CODES)
        targets = self._targets(codes, target_col, c.aux[idx], is_job)
        metadata: list[dict | None] = [None] * idx.size
        if is_job.any():
            job_ids, titles, commands = self.job_entities(target_col[is_job])
            for pos, job_id, title, command in zip(
                np.flatnonzero(is_job).tolist(), job_ids, titles, commands, strict=True
            ):
                entity = {"entityType": "job", "id": job_id, "name": title, "tags": []}
                targets[pos] = [{"entity": entity, "fieldChanges": []}]
                metadata[pos] = {"command": command}
        hexes = ids.hash_u64(self.seed, "audit-trace", idx).astype(">u8").tobytes().hex()
        traces = [hexes[k : k + 16] for k in range(0, len(hexes), 16)]
        actors, insides, affecting = self._actor_dicts, self._inside_dicts, self._affecting_lists
        names = EVENT_NAMES
        return [
            {
                "timestamp": ts,
                "actor": actors[actor],
                "action": {"eventName": names[code], "using": [], "traceId": trace},
                "targets": tgt,
                "affecting": affecting[p],
                "metadata": {} if meta is None else meta,
                "in": insides[p],
            }
            if p >= 0
            else {
                "timestamp": ts,
                "actor": actors[actor],
                "action": {"eventName": names[code], "using": [], "traceId": trace},
                "targets": tgt,
                "affecting": affecting[p],
                "metadata": {} if meta is None else meta,
            }
            for ts, code, actor, p, tgt, meta, trace in zip(
                c.ts[idx].tolist(),
                codes.tolist(),
                c.actor[idx].tolist(),
                c.project[idx].tolist(),
                targets,
                metadata,
                traces,
                strict=True,
            )
        ]

    def _targets(self, codes: np.ndarray, target: np.ndarray, aux: np.ndarray, is_job: np.ndarray) -> list:
        """The shared `targets` list of each non-job event (job events get a placeholder for the caller)."""
        keys = (codes.astype(np.int64) << 42) | ((target + 1) << 21) | (aux.astype(np.int64) + 1)
        keys = np.where(is_job, JOB_KEY, keys).tolist()
        cache = self._targets_cache
        out = [cache.get(k) for k in keys]
        if None in out:
            for pos in [k for k, t in enumerate(out) if t is None]:
                entry = self._target(int(codes[pos]), int(target[pos]), int(aux[pos]))
                out[pos] = cache[keys[pos]] = [entry]
        return out

    def render(self, j: int) -> dict:
        return self.render_many(np.array([j], dtype=np.int64))[0]

    def _target(self, code: int, target: int, aux: int) -> dict:
        """The `{entity, fieldChanges}` target of a non-job event (cached per code, target and aux)."""
        name = EVENT_NAMES[code]
        kind = self._ev_target_type[code]
        changes: list[dict] = []
        if kind == "file":
            entity = _entity("file", None, FILE_PATHS[target])
            changes.append(
                {"fieldName": "filePath", "fieldType": "scalar", "before": None, "after": FILE_PATHS[target]}
            )
        elif kind == "billingTagSettings":
            entity = _entity("billingTagSettings", None, "mode")
            changes.append(
                {
                    "fieldName": "mode",
                    "fieldType": "scalar",
                    "before": SETTING_MODES[1 - aux],
                    "after": SETTING_MODES[aux],
                }
            )
        elif kind == "project":
            entity = _entity("project", self.project_ids[target], self.project_names[target])
            if name == "Change Project Billing Tag":
                changes.append(
                    {
                        "fieldName": "billingTag",
                        "fieldType": "scalar",
                        "before": None,
                        "after": self.tag_names[aux],
                    }
                )
        elif kind == "user":
            entity = _entity("user", self.user_ids[target], self.usernames[target])
            before, after = PLANTED_ROLE_CHANGE if name == "Change User Role" else (None, "Contributor")
            changes.append({"fieldName": "role", "fieldType": "scalar", "before": before, "after": after})
        else:
            entity = _entity(kind or "", self.entities.id(kind, target), self.entities.name(kind, target))
            if name == "Add Grant For Dataset" and aux >= 0:
                changes.append(
                    {
                        "fieldName": "grants",
                        "fieldType": "sequence",
                        "removed": [],
                        "added": [_entity("user", self.user_ids[aux], self.usernames[aux])],
                    }
                )
        return {"entity": entity, "fieldChanges": changes}


def _first_in_order(keys: list[np.ndarray], sort: list[tuple[str, bool]], stop: int) -> np.ndarray | None:
    """Positions of the first `stop` events in sort order (ties by position), or None when the keys do not
    fit one int64; the same order as a lexsort, found with a partition instead of a full sort.

    Each key becomes a small integer code: vocabulary ranks (k, k - 0.5, -1) double into 0..2V+1, and
    timestamps, non-decreasing in position, become dense ranks. The codes and the position are packed
    into one mixed-radix int64."""
    total = keys[0].size if keys else 0
    if stop <= 0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    codes, radix = [], []
    for key, (name, ascending) in zip(keys, sort, strict=True):
        if name == "timestamp":
            steps = np.diff(key)
            if (steps < 0).any():
                return None
            code = np.concatenate([[0], np.cumsum(steps != 0)]).astype(np.int64)
        else:
            code = (2 * key + 2).astype(np.int64)
        size = int(code.max()) + 1
        codes.append(code if ascending else size - 1 - code)
        radix.append(size)
    if math.prod(radix) * total >= 2**62:
        return None
    packed = np.zeros(total, dtype=np.int64)
    for code, size in zip(codes, radix, strict=True):
        packed = packed * size + code
    packed = packed * total + np.arange(total)
    first = np.argpartition(packed, stop - 1)[:stop] if stop < total else np.arange(total)
    return first[np.argsort(packed[first])]


def _entity(kind: str, entity_id: str | None, name: str | None) -> dict:
    return {"entityType": kind, "id": entity_id, "name": name, "tags": []}


def _dyn_match(e: dict, f: dict[str, str]) -> bool:
    if not f:
        return True
    inside = e.get("in") or {}
    targets = [t["entity"] for t in e.get("targets", [])]
    checks = {
        "actor_id": lambda v: e["actor"].get("id") == v,
        "actor_name": lambda v: e["actor"].get("name") == v,
        "event": lambda v: e["action"]["eventName"] == v,
        "target_type": lambda v: any(t.get("entityType") == v for t in targets),
        "target_id": lambda v: any(t.get("id") == v for t in targets),
        "target_name": lambda v: any(t.get("name") == v for t in targets),
        "within_project_id": lambda v: inside.get("id") == v,
        "within_project_name": lambda v: inside.get("name") == v,
    }
    return all(checks[k](v) for k, v in f.items())
