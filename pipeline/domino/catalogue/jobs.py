"""Jobs (read incrementally, newest first) and job goals."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table
from pipeline.domino.enums import JOB_STATUSES

ENDPOINTS: tuple[Endpoint, ...] = (
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
        window_column="submission_time",
        detail_path="/api/jobs/beta/jobs/{id}",
        detail_key="job",
        done_column="is_completed",
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
            col(
                "is_gone",
                "_derived.is_gone",
                "bool",
                default=False,
                comment="true once Domino stopped returning the job (404, or gone from its project's list); "
                "the row is kept with what was last known",
            ),
            col("gone_at", "_derived.gone_at", "timestamp", comment="when the job was first found gone"),
            parent_columns=("project_id",),
            checks=("project_known",),
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
)
