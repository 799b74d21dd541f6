-- One row per UTC day × project × user: CPU and RAM efficiency as Kubecost defines it (usage ÷ request), and the cost-weighted total.
-- key: day, project_id, user_name
-- partition: day
-- Efficiency = average usage ÷ average request over the day, summed over the workloads as resource-hours
-- (cpuCoreUsageAverage × hours ÷ cpuCoreRequestAverage × hours; RAM alike). Kubecost counts usage without
-- a request as 1.0; so do we, but where neither was reported the efficiency is NULL (a Domino that omits
-- the averages does not look perfectly efficient). total_efficiency weights the CPU and RAM efficiencies by
-- their costs (Kubecost's totalEfficiency; GPU is not part of it, gpu_cost_usd shows what it leaves out).
-- Idle capacity is not a workload and is left out. A missing project or user label is __unallocated__.
-- Domino's allocation windows are whole UTC days, so resource-hours are the averages × 24.
-- col day: UTC day
-- col project_id: Domino project id (__unallocated__ when the workload had none)
-- col project_name: project name
-- col user_name: user who started the workloads (__unallocated__ when unknown)
-- col cpu_core_request_hours: CPU core-hours requested
-- col cpu_core_usage_hours: CPU core-hours used
-- col ram_gib_request_hours: RAM GiB-hours requested
-- col ram_gib_usage_hours: RAM GiB-hours used
-- col cpu_efficiency: CPU usage ÷ request (0..1; above 1 means usage beyond the request)
-- col ram_efficiency: RAM usage ÷ request
-- col total_efficiency: CPU and RAM efficiency weighted by their costs
-- col cpu_cost_usd: CPU cost, US dollars
-- col ram_cost_usd: RAM cost, US dollars
-- col gpu_cost_usd: GPU cost (outside total_efficiency), US dollars
-- col currency: ISO 4217 currency of every amount (USD)
with

workloads as (
    select
        day,
        coalesce(project_id, '__unallocated__') as project_id,
        project_name,
        coalesce(user_name, '__unallocated__') as user_name,
        cpu_core_request_average * 24 as cpu_core_request_hours,
        cpu_core_usage_average * 24 as cpu_core_usage_hours,
        ram_byte_request_average * 24 / 1073741824 as ram_gib_request_hours,
        ram_byte_usage_average * 24 / 1073741824 as ram_gib_usage_hours,
        cpu_cost_usd,
        ram_cost_usd,
        gpu_cost_usd,
    from staging.cost_allocation
    where not is_idle
        and day >= getvariable('partition_start') and day < getvariable('partition_end')
),

summed as (
    select
        day,
        project_id,
        max(project_name) as project_name,
        user_name,
        sum(cpu_core_request_hours) as cpu_core_request_hours,
        sum(cpu_core_usage_hours) as cpu_core_usage_hours,
        sum(ram_gib_request_hours) as ram_gib_request_hours,
        sum(ram_gib_usage_hours) as ram_gib_usage_hours,
        sum(cpu_cost_usd) as cpu_cost_usd,
        sum(ram_cost_usd) as ram_cost_usd,
        sum(gpu_cost_usd) as gpu_cost_usd,
    from workloads
    group by day, project_id, user_name
),

efficiencies as (
    select
        *,
        case
            when cpu_core_request_hours > 0 then cpu_core_usage_hours / cpu_core_request_hours
            when cpu_core_usage_hours > 0 then 1.0
        end as cpu_efficiency,
        case
            when ram_gib_request_hours > 0 then ram_gib_usage_hours / ram_gib_request_hours
            when ram_gib_usage_hours > 0 then 1.0
        end as ram_efficiency,
    from summed
)

select
    day,
    project_id,
    project_name,
    user_name,
    round(cpu_core_request_hours, 6) as cpu_core_request_hours,
    round(cpu_core_usage_hours, 6) as cpu_core_usage_hours,
    round(ram_gib_request_hours, 6) as ram_gib_request_hours,
    round(ram_gib_usage_hours, 6) as ram_gib_usage_hours,
    round(cpu_efficiency, 6) as cpu_efficiency,
    round(ram_efficiency, 6) as ram_efficiency,
    round(
        (coalesce(cpu_efficiency * cpu_cost_usd, 0) + coalesce(ram_efficiency * ram_cost_usd, 0))
        / nullif(
            case when cpu_efficiency is null then 0 else cpu_cost_usd end
            + case when ram_efficiency is null then 0 else ram_cost_usd end,
            0
        ),
        6
    ) as total_efficiency,
    cast(cpu_cost_usd as decimal(18, 6)) as cpu_cost_usd,
    cast(ram_cost_usd as decimal(18, 6)) as ram_cost_usd,
    cast(gpu_cost_usd as decimal(18, 6)) as gpu_cost_usd,
    'USD' as currency,
from efficiencies
