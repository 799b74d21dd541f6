-- One row per UTC day: the day's total from the cost allocation, the allocation summary and the per-run records, and their differences.
-- key: day
-- partition: day
-- The allocation total includes idle and shared cost; the summary should equal it. Runs (v4's export of
-- Batch jobs and Workspace sessions) bill only their hardware tier, so they are compared with the
-- allocation's compute cost (CPU + GPU + RAM) of the Batch and Workspace rows. A run's cost is spread over
-- the days it ran in proportion to its run time in each (as the allocation splits executions at midnight).
-- A non-zero difference means Domino's views disagree or a load is partial.
-- col day: UTC day
-- col allocation_total_usd: total of every allocation row of the day (idle included), US dollars
-- col allocation_rows: allocation rows of the day
-- col summary_total_usd: total of every allocation summary row of the day, US dollars (NULL if none landed)
-- col summary_rows: allocation summary rows of the day
-- col summary_minus_allocation_usd: summary_total_usd minus allocation_total_usd, US dollars
-- col allocation_runs_usd: compute cost (CPU + GPU + RAM) of the allocation's Batch and Workspace rows, US dollars
-- col run_record_total_usd: cost of the run records that ran that day, spread by run time, US dollars
-- col run_records: run records that ran that day
-- col run_minus_allocation_usd: run_record_total_usd minus allocation_runs_usd, US dollars
-- col currency: ISO 4217 currency of every amount (USD)
with

allocation as (
    select
        day,
        sum(total_cost_usd) as allocation_total_usd,
        count(*) as allocation_rows,
        sum(cpu_cost_usd + gpu_cost_usd + ram_cost_usd) filter (
            where workload_type in ('Batch', 'Workspace')
        ) as allocation_runs_usd,
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

runs as (
    select
        timezone('UTC', started_at) as started,
        timezone('UTC', started_at) + to_seconds(run_seconds) as ended,
        run_seconds,
        total_cost_usd,
    from staging.runs
    where started_at is not null and run_seconds > 0
        and started_at < getvariable('partition_end')
        and started_at + to_seconds(run_seconds) > getvariable('partition_start')
),

run_days as (
    select
        cast(run_day as date) as day,
        runs.total_cost_usd
        * epoch(least(runs.ended, run_day + interval 1 day) - greatest(runs.started, run_day))
        / runs.run_seconds as cost_usd,
    from runs,
        unnest(
            generate_series(
                date_trunc('day', runs.started),
                date_trunc('day', runs.ended - interval 1 microsecond),
                interval 1 day
            )
        ) as spread(run_day)
),

run_records as (
    select
        day,
        sum(cost_usd) as run_record_total_usd,
        count(*) as run_records,
    from run_days
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by day
),

days as (
    select day from allocation
    union
    select day from summary
    union
    select day from run_records
)

select
    days.day,
    cast(coalesce(allocation.allocation_total_usd, 0) as decimal(18, 6)) as allocation_total_usd,
    coalesce(allocation.allocation_rows, 0) as allocation_rows,
    cast(summary.summary_total_usd as decimal(18, 6)) as summary_total_usd,
    coalesce(summary.summary_rows, 0) as summary_rows,
    cast(summary.summary_total_usd - coalesce(allocation.allocation_total_usd, 0) as decimal(18, 6))
        as summary_minus_allocation_usd,
    cast(coalesce(allocation.allocation_runs_usd, 0) as decimal(18, 6)) as allocation_runs_usd,
    cast(coalesce(run_records.run_record_total_usd, 0) as decimal(18, 6)) as run_record_total_usd,
    coalesce(run_records.run_records, 0) as run_records,
    cast(
        coalesce(run_records.run_record_total_usd, 0) - coalesce(allocation.allocation_runs_usd, 0)
        as decimal(18, 6)
    ) as run_minus_allocation_usd,
    'USD' as currency,
from days
left join allocation on allocation.day = days.day
left join summary on summary.day = days.day
left join run_records on run_records.day = days.day
