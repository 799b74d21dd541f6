-- One row per Domino run (Batch job or Workspace session) with its cost, from v4's batch export of runs.
-- key: run_id
-- The latest copy of each run wins (the export is upserted, a run is re-read until it has ended).
-- col run_id: Domino run id (a Batch run's id is its job id)
-- col run_type: Batch, Workspace (or another Domino run type)
-- col title: run title
-- col command: command or workspace tool the run started
-- col status: run status as Domino reports it (Succeeded, Failed, Stopped, Running, ...)
-- col user_id: id of the user who started the run
-- col user_name: user name of the user who started the run
-- col project_id: project the run belongs to
-- col project_name: project name at export time
-- col hardware_tier: hardware tier as the export names it (the tier id on the simulator)
-- col queued_at: when the run was queued (UTC)
-- col started_at: when it started running (NULL while queued)
-- col ended_at: when it ended (NULL while queued or running)
-- col run_seconds: billed run time in seconds
-- col tier_cost_usd: hardware-tier cost of the run in US dollars
-- col total_cost_usd: total cost of the run (tier plus compute cluster) in US dollars
-- col currency: currency of the cost amounts
-- col extracted_at: when the record was last read from Domino (UTC)
select
    run_id,
    run_type,
    title,
    command,
    status,
    user_id,
    user_name,
    project_id,
    project_name,
    hardware_tier,
    queued_time as queued_at,
    start_time as started_at,
    end_time as ended_at,
    run_duration_sec as run_seconds,
    cast(hardware_tier_cost_amount as decimal(18, 6)) as tier_cost_usd,
    cast(total_cost_amount as decimal(18, 6)) as total_cost_usd,
    coalesce(total_cost_currency, hardware_tier_cost_currency) as currency,
    _extracted_at as extracted_at,
from raw.runs
qualify row_number() over (partition by run_id order by _extracted_at desc) = 1
