-- One row per Domino job (Batch execution) as last read: status, stage times, starter, tier and peak usage.
-- key: job_id
-- A real 6.x job record has no hardware tier and no environment: both are NULL unless the server sends them.
-- col job_id: Domino job id
-- col project_id: project the job ran in
-- col job_number: job number within its project
-- col title: job title
-- col run_command: command the job ran
-- col status: execution status (Succeeded, Failed, Stopped, Error, Running, Queued, ...)
-- col is_completed: true once the job has finished
-- col submitted_at: when the job was submitted (UTC)
-- col started_at: when it started running (NULL while queued)
-- col completed_at: when it finished (NULL while queued or running)
-- col started_by_id: id of the user who started the job
-- col hardware_tier_id: hardware tier id when the server sends it
-- col environment_id: compute environment id when the server sends it
-- col peak_cpu_percent: peak CPU use (Domino's usage.cpuPercentage)
-- col peak_memory_gib: peak memory use in GiB (Domino's usage.memoryGiB)
-- col extracted_at: when the record was last read from Domino (UTC)
select
    id as job_id,
    project_id,
    number as job_number,
    title,
    run_command,
    status,
    coalesce(is_completed, false) as is_completed,
    submission_time as submitted_at,
    start_time as started_at,
    completed_time as completed_at,
    started_by_id,
    hardware_tier_id,
    environment_id,
    cpu_percentage as peak_cpu_percent,
    memory_gib as peak_memory_gib,
    _extracted_at as extracted_at,
from raw.jobs
qualify row_number() over (partition by id order by _extracted_at desc) = 1
