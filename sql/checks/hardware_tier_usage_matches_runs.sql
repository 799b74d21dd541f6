-- Every tier's cost over all days equals the cost of the jobs and workspace sessions that ran on it.
-- model: reporting.hardware_tier_usage
-- plant: update reporting.hardware_tier_usage set cost_usd = cost_usd + 1 where day = (select max(day) from reporting.hardware_tier_usage)
with

usage as (
    select
        hardware_tier_id,
        sum(cost_usd) as usage_usd,
    from reporting.hardware_tier_usage
    group by hardware_tier_id
),

jobs as (
    select
        hardware_tier_id,
        cost_usd,
    from reporting.job_costs
    where started_at is not null and run_minutes > 0 and cost_usd is not null
),

workspaces as (
    select
        hardware_tiers.hardware_tier_id,
        runs.total_cost_usd as cost_usd,
    from staging.runs as runs
    left join staging.hardware_tiers as hardware_tiers
        on runs.hardware_tier in (hardware_tiers.hardware_tier_id, hardware_tiers.hardware_tier_name)
    where runs.run_type <> 'Batch' and runs.started_at is not null and runs.run_seconds > 0
),

runs as (
    select
        hardware_tier_id,
        sum(cost_usd) as runs_usd,
    from (select * from jobs union all select * from workspaces)
    group by hardware_tier_id
)

select
    coalesce(usage.hardware_tier_id, runs.hardware_tier_id) as hardware_tier_id,
    usage.usage_usd,
    runs.runs_usd,
from usage
full outer join runs on runs.hardware_tier_id = usage.hardware_tier_id
where abs(coalesce(usage.usage_usd, 0) - coalesce(runs.runs_usd, 0)) > 0.01
