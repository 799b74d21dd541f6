-- One row per UTC day × cluster asset (node): what the cloud bills for it, money as DECIMAL US dollars.
-- key: day, asset_name
-- col day: UTC day of the asset window
-- col asset_name: the asset (node) name
-- col asset_type: Domino's asset type (Node)
-- col node_pool: Domino node pool the node belongs to
-- col provider: cloud provider
-- col cpu_cost_usd: CPU cost of the node, US dollars
-- col gpu_cost_usd: GPU cost of the node, US dollars
-- col ram_cost_usd: RAM cost of the node, US dollars
-- col total_cost_usd: total cost of the node, US dollars
select
    _partition_date as day,
    name as asset_name,
    type as asset_type,
    node_pool,
    provider,
    cast(coalesce(cpu_cost, 0) as decimal(18, 6)) as cpu_cost_usd,
    cast(coalesce(gpu_cost, 0) as decimal(18, 6)) as gpu_cost_usd,
    cast(coalesce(ram_cost, 0) as decimal(18, 6)) as ram_cost_usd,
    cast(coalesce(total_cost, 0) as decimal(18, 6)) as total_cost_usd,
from raw.cost_assets
