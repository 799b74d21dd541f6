-- One row per UTC day × Domino allocation key: the cost allocation typed, money as DECIMAL US dollars.
-- key: day, allocation_key
-- Attribution day = the UTC day whose request returned the row (_partition_date), so a Kubecost in another
-- time zone, whose windows start a few hours off midnight, still books each day's cost on that day.
-- col day: UTC day the cost accrued
-- col allocation_key: Domino's aggregate name: workload type/project id/project/user/organization/billing tag, or __idle__
-- col workload_type: Batch, Workspace, App or ModelAPI (NULL for idle)
-- col project_id: Domino project id (NULL for idle)
-- col project_name: project name as labelled on the workload
-- col user_name: user who started the workload
-- col organization_name: organization label of the workload
-- col billing_tag: billing tag (cost centre) label; NULL = untagged
-- col is_idle: true for the cluster's idle row (capacity nobody used)
-- col window_start: start of Domino's allocation window (inclusive, UTC)
-- col window_end: end of Domino's allocation window (exclusive, UTC)
-- col cpu_cost_usd: CPU cost in US dollars
-- col gpu_cost_usd: GPU cost in US dollars
-- col ram_cost_usd: RAM cost in US dollars
-- col pv_cost_usd: persistent volume cost in US dollars
-- col network_cost_usd: network cost in US dollars
-- col load_balancer_cost_usd: load balancer cost in US dollars
-- col shared_cost_usd: shared (cluster overhead) cost Domino assigned to the workload, US dollars
-- col adjustment_usd: sum of Domino's cpu/gpu/ram cost adjustments, US dollars
-- col total_cost_usd: Domino's total cost of the row in US dollars (parts plus shared)
-- col cpu_core_hours: CPU core hours requested
-- col gpu_hours: GPU hours requested
-- col cpu_core_request_average: average CPU cores requested over the window (Kubecost's cpuCoreRequestAverage)
-- col cpu_core_usage_average: average CPU cores used over the window (cpuCoreUsageAverage)
-- col ram_byte_request_average: average RAM bytes requested over the window (ramByteRequestAverage)
-- col ram_byte_usage_average: average RAM bytes used over the window (ramByteUsageAverage)
select
    _partition_date as day,
    name as allocation_key,
    workload_type,
    project_id,
    project_name,
    user_name,
    organization_name,
    billing_tag,
    coalesce(is_idle, false) as is_idle,
    window_start,
    window_end,
    cast(coalesce(cpu_cost, 0) as decimal(18, 6)) as cpu_cost_usd,
    cast(coalesce(gpu_cost, 0) as decimal(18, 6)) as gpu_cost_usd,
    cast(coalesce(ram_cost, 0) as decimal(18, 6)) as ram_cost_usd,
    cast(coalesce(pv_cost, 0) as decimal(18, 6)) as pv_cost_usd,
    cast(coalesce(network_cost, 0) as decimal(18, 6)) as network_cost_usd,
    cast(coalesce(load_balancer_cost, 0) as decimal(18, 6)) as load_balancer_cost_usd,
    cast(coalesce(shared_cost, 0) as decimal(18, 6)) as shared_cost_usd,
    cast(
        coalesce(cpu_cost_adjustment, 0) + coalesce(gpu_cost_adjustment, 0) + coalesce(ram_cost_adjustment, 0)
        as decimal(18, 6)
    ) as adjustment_usd,
    cast(coalesce(total_cost, 0) as decimal(18, 6)) as total_cost_usd,
    coalesce(cpu_core_hours, 0) as cpu_core_hours,
    coalesce(gpu_hours, 0) as gpu_hours,
    try_cast(_raw ->> '$.cpuCoreRequestAverage' as double) as cpu_core_request_average,
    try_cast(_raw ->> '$.cpuCoreUsageAverage' as double) as cpu_core_usage_average,
    try_cast(_raw ->> '$.ramByteRequestAverage' as double) as ram_byte_request_average,
    try_cast(_raw ->> '$.ramByteUsageAverage' as double) as ram_byte_usage_average
from raw.cost_allocation
