-- One row per UTC day: idle and shared cost of the cluster and their share of what it cost.
-- key: day
-- partition: day
-- Idle = Domino's __idle__ allocation row (capacity nobody requested). Shared = the shared cost Domino
-- spread onto workloads plus workload rows without a project (cluster services). The cluster's cost is
-- the node assets' total when Domino reports assets for the day, else the allocation total; the
-- shares are of that cost. unallocated_asset_usd is what the nodes cost beyond the whole allocation.
-- col day: UTC day
-- col allocation_total_usd: total of every allocation row of the day (idle included), US dollars
-- col idle_usd: idle capacity cost (the __idle__ row), US dollars
-- col idle_cpu_usd: idle CPU cost, US dollars
-- col idle_gpu_usd: idle GPU cost, US dollars
-- col idle_ram_usd: idle RAM cost, US dollars
-- col shared_usd: shared cost (Domino's sharedCost on workloads plus rows without a project), US dollars
-- col asset_total_usd: total cost of the cluster's node assets, US dollars (NULL when none reported)
-- col unallocated_asset_usd: asset_total_usd minus allocation_total_usd, US dollars
-- col cluster_cost_usd: the day's cluster cost: asset total, or the allocation total without assets
-- col idle_share_pct: idle_usd as a percentage of cluster_cost_usd
-- col shared_share_pct: shared_usd as a percentage of cluster_cost_usd
-- col currency: ISO 4217 currency of every amount (USD)
with

allocation as (
    select
        day,
        sum(total_cost_usd) as allocation_total_usd,
        sum(total_cost_usd) filter (where is_idle) as idle_usd,
        sum(cpu_cost_usd) filter (where is_idle) as idle_cpu_usd,
        sum(gpu_cost_usd) filter (where is_idle) as idle_gpu_usd,
        sum(ram_cost_usd) filter (where is_idle) as idle_ram_usd,
        sum(shared_cost_usd) filter (where not is_idle and project_id is not null)
        + coalesce(sum(total_cost_usd) filter (where not is_idle and project_id is null), 0) as shared_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

assets as (
    select
        day,
        sum(total_cost_usd) as asset_total_usd,
    from staging.cost_assets
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

combined as (
    select
        allocation.day,
        allocation.allocation_total_usd,
        coalesce(allocation.idle_usd, 0) as idle_usd,
        coalesce(allocation.idle_cpu_usd, 0) as idle_cpu_usd,
        coalesce(allocation.idle_gpu_usd, 0) as idle_gpu_usd,
        coalesce(allocation.idle_ram_usd, 0) as idle_ram_usd,
        coalesce(allocation.shared_usd, 0) as shared_usd,
        assets.asset_total_usd,
        coalesce(assets.asset_total_usd, allocation.allocation_total_usd) as cluster_cost_usd,
    from allocation
    left join assets on assets.day = allocation.day
)

select
    day,
    cast(allocation_total_usd as decimal(18, 6)) as allocation_total_usd,
    cast(idle_usd as decimal(18, 6)) as idle_usd,
    cast(idle_cpu_usd as decimal(18, 6)) as idle_cpu_usd,
    cast(idle_gpu_usd as decimal(18, 6)) as idle_gpu_usd,
    cast(idle_ram_usd as decimal(18, 6)) as idle_ram_usd,
    cast(shared_usd as decimal(18, 6)) as shared_usd,
    cast(asset_total_usd as decimal(18, 6)) as asset_total_usd,
    cast(asset_total_usd - allocation_total_usd as decimal(18, 6)) as unallocated_asset_usd,
    cast(cluster_cost_usd as decimal(18, 6)) as cluster_cost_usd,
    round(100 * idle_usd / nullif(cluster_cost_usd, 0), 4) as idle_share_pct,
    round(100 * shared_usd / nullif(cluster_cost_usd, 0), 4) as shared_share_pct,
    'USD' as currency,
from combined
