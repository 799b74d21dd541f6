-- One row per month × dimension (project, user, organization, billing_tag) × value: spend, month to date or closed, and the change from the month before.
-- key: month, dimension, dimension_value
-- partition: month
-- grain: month
-- also_rebuild: 1 month
-- Every dimension adds up to the month's total: the idle row is the value __idle__, workloads without the
-- label are __unallocated__ (Domino's word). A month is closed once the data reaches its last day; until
-- then its row is month to date. The change columns compare with the same value's previous month
-- (NULL when it had no spend then). Rebuilding a month also rebuilds the next one (its change moves).
-- col month: first day of the calendar month (UTC)
-- col dimension: what dimension_value is: project, user, organization or billing_tag
-- col dimension_value: project id, user name, organization name or billing tag; __idle__ / __unallocated__ otherwise
-- col dimension_name: readable name (the project name for projects, else dimension_value)
-- col cost_usd: spend in the month (to date when not closed), US dollars
-- col days_with_spend: days of the month with any spend on this value
-- col is_closed: true when the data covers the month's last day
-- col through_day: last day of the month covered by the data
-- col previous_cost_usd: spend of the same value in the previous month, US dollars
-- col change_usd: cost_usd minus previous_cost_usd, US dollars
-- col change_pct: change_usd as a percentage of previous_cost_usd
-- col currency: ISO 4217 currency of every amount (USD)
with

daily as (
    select
        day,
        date_trunc('month', day)::date as month,
        is_idle,
        project_id,
        project_name,
        user_name,
        organization_name,
        billing_tag,
        total_cost_usd,
    from reporting.cost_daily
    where day >= date_trunc('month', getvariable('partition_start') - interval 1 month)
        and day < getvariable('partition_end')
),

labels as (
    select
        day,
        month,
        total_cost_usd,
        is_idle,
        unnest([
            {'dimension': 'project', 'value': project_id, 'name': project_name},
            {'dimension': 'user', 'value': user_name, 'name': user_name},
            {'dimension': 'organization', 'value': organization_name, 'name': organization_name},
            {'dimension': 'billing_tag', 'value': billing_tag, 'name': billing_tag},
        ]) as label,
    from daily
),

labelled as (
    select
        day,
        month,
        total_cost_usd,
        label.dimension as dimension,
        case when is_idle then '__idle__' else coalesce(label.value, '__unallocated__') end as dimension_value,
        case when is_idle then '__idle__' else coalesce(label.name, '__unallocated__') end as dimension_name,
    from labels
),

monthly as (
    select
        month,
        dimension,
        dimension_value,
        max(dimension_name) as dimension_name,
        sum(total_cost_usd) as cost_usd,
        count(distinct day) as days_with_spend,
    from labelled
    group by month, dimension, dimension_value
),

coverage as (
    select
        month,
        max(day) as through_day,
    from daily
    group by month
),

compared as (
    select
        monthly.month,
        monthly.dimension,
        monthly.dimension_value,
        monthly.dimension_name,
        monthly.cost_usd,
        monthly.days_with_spend,
        coverage.through_day = last_day(monthly.month) as is_closed,
        coverage.through_day,
        previous.cost_usd as previous_cost_usd,
    from monthly
    inner join coverage on coverage.month = monthly.month
    left join monthly as previous
        on previous.month = monthly.month - interval 1 month
        and previous.dimension = monthly.dimension
        and previous.dimension_value = monthly.dimension_value
)

select
    month,
    dimension,
    dimension_value,
    dimension_name,
    cast(cost_usd as decimal(18, 6)) as cost_usd,
    days_with_spend,
    is_closed,
    through_day,
    cast(previous_cost_usd as decimal(18, 6)) as previous_cost_usd,
    cast(cost_usd - previous_cost_usd as decimal(18, 6)) as change_usd,
    round(100 * (cost_usd - previous_cost_usd) / nullif(previous_cost_usd, 0), 2) as change_pct,
    'USD' as currency,
from compared
where month >= getvariable('partition_start') and month < getvariable('partition_end')
