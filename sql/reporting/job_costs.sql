-- One row per Domino job: project, user, tier, environment, queue and run minutes, its cost and where it came from.
-- key: job_id
-- Cost comes from the job's run record (v4 batch export, `cost_source = 'run_record'`); where there is
-- none, run minutes × the tier's centsPerMinute (`tier_price`, needs the tier from the job record); else
-- NULL. Failed, stopped and errored jobs' cost counts as waste. Rebuilt whole: run records keep changing
-- until a run ends, whatever day it was submitted.
-- col job_id: Domino job id (= its run id)
-- col day: UTC day the job was submitted (queued)
-- col project_id: project the job ran in
-- col project_name: project name
-- col user_id: id of the user who started the job
-- col user_name: user name of the user who started the job
-- col hardware_tier_id: hardware tier the job ran on
-- col hardware_tier_name: display name of that tier
-- col environment_id: compute environment (NULL when Domino does not say)
-- col environment_name: compute environment name
-- col status: execution status
-- col submitted_at: when the job was submitted (UTC)
-- col started_at: when it started running (UTC)
-- col ended_at: when it ended (UTC; NULL while queued or running)
-- col queue_minutes: minutes between submission and start (to now while still queued)
-- col run_minutes: billed minutes of running
-- col cost_usd: cost of the job in US dollars
-- col cost_source: run_record (Domino's per-run cost), tier_price (run minutes × tier price) or NULL (unknown)
-- col is_waste: true for failed, stopped and errored jobs
-- col waste_usd: cost of a wasted job in US dollars (0 otherwise)
with

jobs as (
    select
        job_id,
        project_id,
        title,
        status,
        submitted_at,
        started_at,
        completed_at,
        started_by_id,
        hardware_tier_id,
        environment_id,
        extracted_at,
    from staging.jobs
),

runs as (
    select
        run_id,
        status,
        user_id,
        user_name,
        project_id,
        project_name,
        hardware_tier,
        queued_at,
        started_at,
        ended_at,
        run_seconds,
        total_cost_usd,
        extracted_at,
    from staging.runs
    where coalesce(run_type, 'Batch') = 'Batch'
),

tiers as (
    select
        hardware_tier_id,
        hardware_tier_name,
        cents_per_minute,
    from staging.hardware_tiers
),

environments as (
    select
        environment_id,
        environment_name,
    from staging.environments
),

projects as (
    select
        project_id,
        project_name,
    from staging.projects
),

users as (
    select
        user_id,
        user_name,
    from staging.users
),

joined as (
    select
        coalesce(jobs.job_id, runs.run_id) as job_id,
        coalesce(jobs.project_id, runs.project_id) as project_id,
        runs.project_name as run_project_name,
        coalesce(jobs.started_by_id, runs.user_id) as user_id,
        runs.user_name as run_user_name,
        coalesce(runs.hardware_tier, jobs.hardware_tier_id) as tier_reference,
        jobs.environment_id,
        coalesce(jobs.status, runs.status) as status,
        coalesce(jobs.submitted_at, runs.queued_at) as submitted_at,
        coalesce(jobs.started_at, runs.started_at) as started_at,
        coalesce(jobs.completed_at, runs.ended_at) as ended_at,
        greatest(jobs.extracted_at, runs.extracted_at) as extracted_at,
        runs.run_seconds,
        runs.total_cost_usd as run_cost_usd,
        runs.run_id is not null as has_run_record,
    from jobs
    full outer join runs on runs.run_id = jobs.job_id
),

priced as (
    select
        joined.*,
        tiers.hardware_tier_id,
        tiers.hardware_tier_name,
        coalesce(
            joined.run_seconds / 60,
            date_diff('second', joined.started_at, coalesce(joined.ended_at, joined.extracted_at)) / 60
        ) as run_minutes,
        tiers.cents_per_minute,
    from joined
    left join tiers
        on tiers.hardware_tier_id = joined.tier_reference or tiers.hardware_tier_name = joined.tier_reference
    qualify row_number() over (
        partition by joined.job_id order by tiers.hardware_tier_id = joined.tier_reference desc
    ) = 1
)

select
    priced.job_id,
    cast(timezone('UTC', priced.submitted_at) as date) as day,
    priced.project_id,
    coalesce(projects.project_name, priced.run_project_name) as project_name,
    priced.user_id,
    coalesce(users.user_name, priced.run_user_name) as user_name,
    coalesce(priced.hardware_tier_id, priced.tier_reference) as hardware_tier_id,
    priced.hardware_tier_name,
    priced.environment_id,
    environments.environment_name,
    priced.status,
    priced.submitted_at,
    priced.started_at,
    priced.ended_at,
    round(
        date_diff(
            'second', priced.submitted_at, coalesce(priced.started_at, priced.extracted_at)
        ) / 60, 3
    ) as queue_minutes,
    coalesce(priced.run_minutes, 0) as run_minutes,
    cast(
        case
            when priced.has_run_record then priced.run_cost_usd
            when priced.started_at is null then 0
            else priced.run_minutes * priced.cents_per_minute / 100
        end as decimal(18, 6)
    ) as cost_usd,
    case
        when priced.has_run_record then 'run_record'
        when priced.started_at is null or priced.cents_per_minute is not null then 'tier_price'
    end as cost_source,
    priced.status in ('Failed', 'Stopped', 'Error') as is_waste,
    case
        when priced.status in ('Failed', 'Stopped', 'Error') then cost_usd
        else cast(0 as decimal(18, 6))
    end as waste_usd,
from priced
left join projects on projects.project_id = priced.project_id
left join users on users.user_id = priced.user_id
left join environments on environments.environment_id = priced.environment_id
