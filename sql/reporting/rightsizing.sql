-- One row per over-provisioned job definition or always-on resource: its peak use, the smallest tier that fits, the monthly saving.
-- key: resource_type, resource_id, hardware_tier_id
-- Kubecost's rule: request = observed peak ÷ target utilisation (0.7 unless the DuckDB variable
-- rightsizing_target is set). The smallest tier that fits is the cheapest non-archived tier of the same
-- kind (GPU count, model-API tier or not) with at least that many cores and GiB; a row is listed only
-- when it is cheaper than the current tier. Jobs: one row per project × command × tier over the last
-- 30 days of jobs, peak = the highest usage.cpuPercentage (share of the tier's cores) and usage.memoryGiB
-- seen; saving = those 30 days' run minutes re-priced. Apps and model APIs: usage = the allocation's
-- usage ÷ request averages of their project's App/ModelAPI workloads over the last 30 days (Domino
-- reports no per-resource peak); saving = 730 hours × replicas × the price difference. Model deployments
-- run on external targets that Domino does not price, so they are not sized here.
-- col resource_type: job (a recurring project × command × tier), app or model_api
-- col resource_id: project_id:command for jobs, the Domino id for apps and model APIs
-- col resource_name: job command, app or model API name
-- col project_id: project the resource belongs to
-- col hardware_tier_id: current hardware tier
-- col runs: jobs observed in the last 30 days (NULL for always-on resources)
-- col peak_cpu_cores: observed peak (jobs) or average (always-on) CPU cores used
-- col peak_memory_gib: observed peak (jobs) or average (always-on) memory used, GiB
-- col tier_cores: cores of the current tier
-- col tier_memory_gib: memory of the current tier, GiB
-- col cpu_utilisation: peak CPU ÷ tier cores
-- col memory_utilisation: peak memory ÷ tier memory
-- col target_utilisation: the utilisation the recommendation aims at
-- col recommended_tier_id: smallest (cheapest) tier that fits at the target utilisation
-- col current_usd_per_hour: price of the current tier per replica-hour, US dollars
-- col recommended_usd_per_hour: price of the recommended tier per replica-hour, US dollars
-- col monthly_cost_usd: what the resource costs a month now (jobs: the last 30 days), US dollars
-- col monthly_saving_usd: what the recommended tier saves a month, US dollars
with

settings as (
    select coalesce(cast(getvariable('rightsizing_target') as double), 0.7) as target
),

tiers as (
    select
        hardware_tier_id,
        cents_per_minute,
        usd_per_hour,
        cores,
        memory_gib,
        gpu_count,
        is_archived,
        is_model_api_tier,
    from staging.hardware_tiers
),

job_window as (
    select max(day) - 30 as first_day from reporting.job_costs
),

job_runs as (
    select
        costs.project_id,
        jobs.run_command,
        costs.hardware_tier_id,
        costs.run_minutes,
        costs.cost_usd,
        jobs.peak_cpu_percent,
        jobs.peak_memory_gib,
    from reporting.job_costs as costs
    join staging.jobs as jobs on jobs.job_id = costs.job_id
    where costs.day > (select first_day from job_window)
        and costs.started_at is not null
        and costs.cost_usd is not null
        and jobs.peak_cpu_percent is not null
        and jobs.peak_memory_gib is not null
),

job_definitions as (
    select
        'job' as resource_type,
        job_runs.project_id || ':' || coalesce(job_runs.run_command, '') as resource_id,
        any_value(job_runs.run_command) as resource_name,
        job_runs.project_id,
        job_runs.hardware_tier_id,
        count(*) as runs,
        max(job_runs.peak_cpu_percent) / 100 * any_value(tiers.cores) as peak_cpu_cores,
        max(job_runs.peak_memory_gib) as peak_memory_gib,
        sum(job_runs.run_minutes) as run_minutes,
        sum(job_runs.cost_usd) as monthly_cost_usd,
        1 as replicas,
    from job_runs
    join tiers on tiers.hardware_tier_id = job_runs.hardware_tier_id
    group by job_runs.project_id, job_runs.run_command, job_runs.hardware_tier_id
),

usage_window as (
    select max(day) - 30 as first_day from staging.cost_allocation
),

workload_usage as (
    select
        project_id,
        workload_type,
        sum(cpu_core_usage_average) / nullif(sum(cpu_core_request_average), 0) as cpu_ratio,
        sum(ram_byte_usage_average) / nullif(sum(ram_byte_request_average), 0) as memory_ratio,
    from staging.cost_allocation
    where not is_idle and day > (select first_day from usage_window)
    group by project_id, workload_type
),

always_on as (
    select
        resources.resource_type,
        resources.resource_id,
        resources.resource_name,
        resources.project_id,
        resources.hardware_tier_id,
        cast(null as bigint) as runs,
        usage.cpu_ratio * tiers.cores as peak_cpu_cores,
        usage.memory_ratio * tiers.memory_gib as peak_memory_gib,
        cast(null as double) as run_minutes,
        resources.monthly_cost_usd,
        resources.replicas,
    from reporting.always_on_resources as resources
    join tiers on tiers.hardware_tier_id = resources.hardware_tier_id
    join workload_usage as usage
        on usage.project_id = resources.project_id
        and usage.workload_type = case resources.resource_type when 'app' then 'App' else 'ModelAPI' end
    where resources.resource_type in ('app', 'model_api')
        and usage.cpu_ratio is not null
        and usage.memory_ratio is not null
),

candidates as (
    select * from job_definitions
    union all by name
    select * from always_on
),

recommended as (
    select
        candidates.*,
        current_tier.cores as tier_cores,
        current_tier.memory_gib as tier_memory_gib,
        current_tier.cents_per_minute as current_cents_per_minute,
        current_tier.usd_per_hour as current_usd_per_hour,
        smaller.hardware_tier_id as recommended_tier_id,
        smaller.cents_per_minute as recommended_cents_per_minute,
        smaller.usd_per_hour as recommended_usd_per_hour,
        settings.target,
    from candidates
    cross join settings
    join tiers as current_tier on current_tier.hardware_tier_id = candidates.hardware_tier_id
    join tiers as smaller
        on not smaller.is_archived
        and smaller.gpu_count = current_tier.gpu_count
        and smaller.is_model_api_tier = current_tier.is_model_api_tier
        and smaller.cores >= candidates.peak_cpu_cores / settings.target
        and smaller.memory_gib >= candidates.peak_memory_gib / settings.target
        and smaller.cents_per_minute < current_tier.cents_per_minute
    qualify row_number() over (
        partition by candidates.resource_type, candidates.resource_id, candidates.hardware_tier_id
        order by smaller.cents_per_minute, smaller.cores, smaller.hardware_tier_id
    ) = 1
)

select
    resource_type,
    resource_id,
    resource_name,
    project_id,
    hardware_tier_id,
    runs,
    round(peak_cpu_cores, 3) as peak_cpu_cores,
    round(peak_memory_gib, 3) as peak_memory_gib,
    tier_cores,
    tier_memory_gib,
    round(peak_cpu_cores / tier_cores, 3) as cpu_utilisation,
    round(peak_memory_gib / tier_memory_gib, 3) as memory_utilisation,
    target as target_utilisation,
    recommended_tier_id,
    current_usd_per_hour,
    recommended_usd_per_hour,
    cast(monthly_cost_usd as decimal(18, 6)) as monthly_cost_usd,
    cast(
        case
            when resource_type = 'job'
                then run_minutes * (current_cents_per_minute - recommended_cents_per_minute) / 100
            else 730 * replicas * (current_usd_per_hour - recommended_usd_per_hour)
        end as decimal(18, 6)
    ) as monthly_saving_usd,
from recommended
