-- Every day's FOCUS BilledCost and EffectiveCost add up to Domino's allocation total of that day, exactly.
-- model: focus.cost_and_usage
-- plant: delete from focus.cost_and_usage where x_IsIdle and x_ChargeDate = (select max(x_ChargeDate) from focus.cost_and_usage)
with

allocation as (
    select
        day,
        sum(total_cost_usd) as allocation_usd,
    from staging.cost_allocation
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

focus as (
    select
        x_ChargeDate as day,
        sum(BilledCost) as billed_usd,
        sum(EffectiveCost) as effective_usd,
    from focus.cost_and_usage
    where x_ChargeDate >= getvariable('partition_start') and x_ChargeDate < getvariable('partition_end')
    group by x_ChargeDate
)

select
    coalesce(allocation.day, focus.day) as day,
    allocation.allocation_usd,
    focus.billed_usd,
    focus.effective_usd,
from allocation
full join focus on focus.day = allocation.day
where
    allocation.allocation_usd is distinct from focus.billed_usd
    or allocation.allocation_usd is distinct from focus.effective_usd
