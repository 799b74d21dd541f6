-- One row per UTC day: the day's total from the cost allocation, the allocation summary and the per-run records, and their differences.
-- key: day
-- partition: day
-- The allocation total includes idle and shared cost; the summary should equal it. Differences are
-- summary minus allocation; a non-zero difference means Domino's two views disagree or a load is partial.
-- col day: UTC day
-- col allocation_total_usd: total of every allocation row of the day (idle included), US dollars
-- col allocation_rows: allocation rows of the day
-- col summary_total_usd: total of every allocation summary row of the day, US dollars (NULL if none landed)
-- col summary_rows: allocation summary rows of the day
-- col summary_minus_allocation_usd: summary_total_usd minus allocation_total_usd, US dollars
-- col currency: ISO 4217 currency of every amount (USD)
with

allocation as (
    select
        day,
        sum(total_cost_usd) as allocation_total_usd,
        count(*) as allocation_rows,
    from staging.cost_allocation
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

summary as (
    select
        day,
        sum(total_cost_usd) as summary_total_usd,
        count(*) as summary_rows,
    from staging.cost_allocation_summary
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

days as (
    select day from allocation
    union
    select day from summary
)

select
    days.day,
    cast(coalesce(allocation.allocation_total_usd, 0) as decimal(18, 6)) as allocation_total_usd,
    coalesce(allocation.allocation_rows, 0) as allocation_rows,
    cast(summary.summary_total_usd as decimal(18, 6)) as summary_total_usd,
    coalesce(summary.summary_rows, 0) as summary_rows,
    cast(summary.summary_total_usd - coalesce(allocation.allocation_total_usd, 0) as decimal(18, 6))
        as summary_minus_allocation_usd,
    'USD' as currency,
from days
left join allocation on allocation.day = days.day
left join summary on summary.day = days.day
