-- One row per UTC day × workload type × project × user × organization × billing tag (the allocation's label combination), cost in US dollars.
-- key: day, allocation_key
-- partition: day
-- The idle row (is_idle, labels NULL) keeps each day's total equal to Domino's allocation total.
-- Untagged spend is billing_tag IS NULL. Money: DECIMAL(18,6) US dollars.
-- col day: UTC day the cost accrued
-- col allocation_key: Domino's aggregate name for the label combination (unique per day)
-- col workload_type: Batch, Workspace, App or ModelAPI (NULL for idle)
-- col project_id: Domino project id (NULL for idle)
-- col project_name: project name
-- col user_name: user who started the workload
-- col organization_name: organization label
-- col billing_tag: billing tag (cost centre); NULL = untagged
-- col is_idle: true for the cluster's idle capacity row
-- col cpu_cost_usd: CPU cost, US dollars
-- col gpu_cost_usd: GPU cost, US dollars
-- col ram_cost_usd: RAM cost, US dollars
-- col pv_cost_usd: persistent volume cost, US dollars
-- col network_cost_usd: network cost, US dollars
-- col load_balancer_cost_usd: load balancer cost, US dollars
-- col shared_cost_usd: shared cluster cost assigned by Domino, US dollars
-- col adjustment_usd: Domino's cost adjustments, US dollars
-- col total_cost_usd: total cost, US dollars (Domino's totalCost)
-- col cpu_core_hours: CPU core hours
-- col gpu_hours: GPU hours
-- col currency: ISO 4217 currency of every amount (USD)
select
    day,
    allocation_key,
    workload_type,
    project_id,
    project_name,
    user_name,
    organization_name,
    billing_tag,
    is_idle,
    cpu_cost_usd,
    gpu_cost_usd,
    ram_cost_usd,
    pv_cost_usd,
    network_cost_usd,
    load_balancer_cost_usd,
    shared_cost_usd,
    adjustment_usd,
    total_cost_usd,
    cpu_core_hours,
    gpu_hours,
    'USD' as currency,
from staging.cost_allocation
where day >= getvariable('partition_start') and day < getvariable('partition_end')
