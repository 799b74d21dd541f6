-- One row per UTC day × hardware tier × run type: run hours, GPU hours and cost of the runs on that tier.
-- key: day, hardware_tier_id, run_type
-- From jobs (reporting.job_costs: run records or tier price) and workspace sessions (run records), each
-- split at UTC midnight; a run's cost is spread over its days by hours. Apps and model APIs are
-- always-on (see reporting.always_on_resources): Domino reports no run records for them.
-- col day: UTC day the hours ran
-- col hardware_tier_id: hardware tier id
-- col hardware_tier_name: display name of the tier
-- col run_type: Batch (jobs) or Workspace
-- col runs: runs that ran on that tier that day
-- col run_hours: hours of running on the tier that day
-- col gpu_hours: run hours × the tier's GPUs
-- col cost_usd: cost of those hours in US dollars
with

jobs as (
    select
        job_id as run_id,
        'Batch' as run_type,
        hardware_tier_id,
        started_at,
        started_at + to_milliseconds(cast(round(run_minutes * 60000) as bigint)) as ended_at,
        cost_usd,
    from reporting.job_costs
    where started_at is not null and run_minutes > 0 and cost_usd is not null
),

workspaces as (
    select
        run_id,
        run_type,
        hardware_tier,
        started_at,
        started_at + to_milliseconds(cast(round(run_seconds * 1000) as bigint)) as ended_at,
        total_cost_usd,
    from staging.runs
    where run_type <> 'Batch' and started_at is not null and run_seconds > 0
),

tiers as (
    select
        hardware_tier_id,
        hardware_tier_name,
        gpu_count,
    from staging.hardware_tiers
),

runs as (
    select * from jobs
    union all by name
    select
        workspaces.run_id,
        workspaces.run_type,
        coalesce(tiers.hardware_tier_id, workspaces.hardware_tier) as hardware_tier_id,
        workspaces.started_at,
        workspaces.ended_at,
        workspaces.total_cost_usd as cost_usd,
    from workspaces
    left join tiers on workspaces.hardware_tier in (tiers.hardware_tier_id, tiers.hardware_tier_name)
),

run_days as (
    select
        runs.run_id,
        runs.run_type,
        runs.hardware_tier_id,
        runs.cost_usd,
        date_diff('microsecond', runs.started_at, runs.ended_at) as run_us,
        cast(day_start as date) as day,
        date_diff(
            'microsecond',
            greatest(runs.started_at, day_start),
            least(runs.ended_at, day_start + interval 1 day)
        ) as day_us,
    from runs,
        unnest(
            generate_series(
                timezone('UTC', date_trunc('day', timezone('UTC', runs.started_at))),
                runs.ended_at - interval 1 microsecond,
                interval 1 day
            )
        ) as days(day_start)
)

select
    run_days.day,
    run_days.hardware_tier_id,
    tiers.hardware_tier_name,
    run_days.run_type,
    count(distinct run_days.run_id) as runs,
    round(sum(run_days.day_us) / 3.6e9, 6) as run_hours,
    round(sum(run_days.day_us) / 3.6e9 * any_value(coalesce(tiers.gpu_count, 0)), 6) as gpu_hours,
    cast(sum(run_days.cost_usd * run_days.day_us / run_days.run_us) as decimal(18, 6)) as cost_usd,
from run_days
left join tiers on tiers.hardware_tier_id = run_days.hardware_tier_id
group by run_days.day, run_days.hardware_tier_id, tiers.hardware_tier_name, run_days.run_type
