"""The seed-envelope and jobs-form switches, and byte-for-byte determinism per seed."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.simulator.server import RunningSimulator
from tests.simulator.http_helpers import client_for

Start = Callable[..., RunningSimulator]


def test_seed_envelope_wraps_every_list(start_simulator: Start) -> None:
    running = start_simulator(seed=42, envelope="seed")
    with client_for(running) as api:
        projects = api.get("/api/projects/beta/projects", params={"limit": 3}).json()
        assert set(projects) == {"offset", "limit", "totalCount", "data"}
        assert projects["limit"] == 3 and len(projects["data"]) == 3
        assert projects["totalCount"] == len(running.world.collections["projects"])
        for path in (
            "/api/modelServing/v1/modelApis",
            "/api/apps/beta/apps",
            "/auditevents",
            "/api/cost/v1/allocation?window=7d",
            "/api/datasource/v1/audit",
            "/api/cost/v1/billingtags",
        ):
            body = api.get(path).json()
            assert set(body) == {"offset", "limit", "totalCount", "data"}, path
        api_id = next(iter(running.world.collections["model_apis"]))
        versions = api.get(f"/api/modelServing/v1/modelApis/{api_id}/versions").json()
        assert set(versions) == {"offset", "limit", "totalCount", "data"}
        project = api.get(f"/api/projects/v1/projects/{projects['data'][0]['id']}").json()
        assert set(project) == {"project", "metadata"}


def test_jobs_form_seed_keeps_seed_fields(start_simulator: Start, simulator: RunningSimulator) -> None:
    running = start_simulator(seed=42, jobs_form="seed")
    project_id = next(iter(running.world.collections["projects"]))
    with client_for(running) as seed_api, client_for(simulator) as real_api:
        seed_jobs = seed_api.get("/api/jobs/beta/jobs", params={"projectId": project_id}).json()["jobs"]
        real_jobs = real_api.get("/api/jobs/beta/jobs", params={"projectId": project_id}).json()["jobs"]
    assert seed_jobs and all(
        j["projectId"] == project_id and j["hardwareTierId"] and j["environmentId"] for j in seed_jobs
    )
    assert [
        {k: v for k, v in j.items() if k not in ("projectId", "hardwareTierId", "environmentId")}
        for j in seed_jobs
    ] == real_jobs


def test_same_seed_same_bytes(start_simulator: Start) -> None:
    first, second = start_simulator(seed=11), start_simulator(seed=11)
    other = start_simulator(seed=12)
    assert first.admin_key == second.admin_key != other.admin_key
    paths = [
        "/api/projects/beta/projects?limit=20",
        "/auditevents?limit=200&sort=-timestamp",
        "/api/cost/v1/allocation?window=7d&aggregate=label:dominodatalab.com/project-name",
        "/api/users/v1/self",
    ]
    with client_for(first) as a, client_for(second) as b, client_for(other) as c:
        project_id = next(iter(first.world.collections["projects"]))
        paths.append(f"/api/jobs/beta/jobs?projectId={project_id}&limit=50")
        for path in paths:
            assert a.get(path).content == b.get(path).content, path
        assert a.get(paths[0]).content != c.get(paths[0]).content
        b.get(paths[0])  # request ids count requests: keep both servers in step
        write = {"name": "det-project"}
        assert (
            a.post("/api/projects/beta/projects", json=write).content
            == b.post("/api/projects/beta/projects", json=write).content
        )
