-- One row per UTC day × Domino allocation key from the allocation summary endpoint (Domino's faster, less detailed view), money as DECIMAL US dollars.
-- key: day, allocation_key
-- col day: UTC day the cost accrued
-- col allocation_key: Domino's aggregate name, or __idle__
-- col project_id: Domino project id (NULL for idle)
-- col billing_tag: billing tag; NULL = untagged
-- col is_idle: true for the idle row
-- col total_cost_usd: Domino's total cost of the row, US dollars
select
    _partition_date as day,
    name as allocation_key,
    project_id,
    billing_tag,
    coalesce(is_idle, false) as is_idle,
    cast(coalesce(total_cost, 0) as decimal(18, 6)) as total_cost_usd,
from raw.cost_allocation_summary
