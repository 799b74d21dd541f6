-- Every month's chargeback lines add up to the month's total spend in cost_daily, exactly (to the micro-dollar).
-- model: reporting.chargeback_monthly
-- plant: update reporting.chargeback_monthly set idle_usd = idle_usd + 0.000001, total_usd = total_usd + 0.000001 where project_id = (select min(project_id) from reporting.chargeback_monthly)
with

spend as (
    select
        date_trunc('month', day)::date as month,
        sum(total_cost_usd) as month_total_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
    group by all
),

charged as (
    select
        month,
        sum(total_usd) as lines_total_usd,
        sum(direct_usd + shared_usd + idle_usd) as parts_total_usd,
    from reporting.chargeback_monthly
    where month >= getvariable('partition_start') and month < getvariable('partition_end')
    group by month
)

select
    coalesce(spend.month, charged.month) as month,
    spend.month_total_usd,
    charged.lines_total_usd,
    charged.parts_total_usd,
from spend
full join charged on charged.month = spend.month
where spend.month_total_usd is distinct from charged.lines_total_usd
    or charged.parts_total_usd is distinct from charged.lines_total_usd
