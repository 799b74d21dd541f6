-- Every day's cost_daily total equals the total of Domino's allocation rows for that day, to the cent fraction.
-- model: reporting.cost_daily
-- plant: update reporting.cost_daily set total_cost_usd = total_cost_usd + 1 where day = (select min(day) from reporting.cost_daily)
with

allocation as (
    select
        day,
        sum(total_cost_usd) as allocation_usd,
    from staging.cost_allocation
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

reported as (
    select
        day,
        sum(total_cost_usd) as reported_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
)

select
    coalesce(allocation.day, reported.day) as day,
    allocation.allocation_usd,
    reported.reported_usd,
from allocation
full join reported on reported.day = allocation.day
where allocation.allocation_usd is distinct from reported.reported_usd
