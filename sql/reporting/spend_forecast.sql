-- One row per month × budget label (project, organization, billing tag) with spend: month-end forecast against Domino's budget, the date it crosses, and the alert thresholds reached.
-- key: month, label_type, label_id
-- partition: month
-- grain: month
-- Budget = Domino's override for the label, else the default for its label type (NULL: no budget).
-- Forecast = spend to date + the trailing 7-day daily average × the days left in the month (a closed
-- month's forecast is its actual spend). crossing_date is the first day the cumulative spend reached
-- the budget, or, if it has not yet, the day the run rate would reach it within the month (then
-- crossing_is_forecast). Alert thresholds are shares of the budget (DOMINO_BUDGET_ALERT_THRESHOLDS,
-- default 0.5, 0.75, 0.9, 1.0; Domino alerts at 0.75 and 1.0 only).
-- col month: first day of the calendar month (UTC)
-- col label_type: Project, Organization or BillingTag (Domino's budget labels)
-- col label_id: project id, organization id, or billing tag id (the tag itself when Domino sent no id)
-- col label_name: project name, organization name or billing tag
-- col through_day: last day of the month the data covers
-- col days_elapsed: days of the month up to through_day
-- col days_in_month: days in the month
-- col spend_to_date_usd: spend from the first of the month through through_day, US dollars
-- col run_rate_usd: average daily spend over the 7 days ending on through_day, US dollars
-- col forecast_usd: forecast spend for the whole month, US dollars
-- col budget_usd: monthly budget, US dollars (NULL when none)
-- col budget_source: override or default (NULL when no budget)
-- col spend_pct_of_budget: spend_to_date_usd as a percentage of budget_usd
-- col forecast_pct_of_budget: forecast_usd as a percentage of budget_usd
-- col crossing_date: day the cumulative spend reaches the budget (actual or forecast); NULL if not this month
-- col crossing_is_forecast: true when crossing_date is a forecast, false when it already happened
-- col thresholds_reached: alert thresholds (shares of the budget) the spend to date has reached
-- col thresholds_forecast: alert thresholds the month-end forecast reaches
-- col is_closed: true when the data covers the month's last day (forecast = actual)
-- col currency: ISO 4217 currency of every amount (USD)
with

daily as (
    select
        day,
        is_idle,
        project_id,
        project_name,
        organization_name,
        billing_tag,
        total_cost_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') - interval 7 day
        and day < getvariable('partition_end')
),

organizations as (
    select
        organization_id,
        organization_name,
    from staging.organizations
),

billing_tags as (
    select
        billing_tag,
        tag_id,
    from staging.billing_tags
),

labelled as (
    select
        exploded.day,
        exploded.label.label_type as label_type,
        exploded.label.label_id as label_id,
        exploded.label.label_name as label_name,
        exploded.total_cost_usd,
    from (
        select
            daily.*,
            unnest([
                {'label_type': 'Project', 'label_id': daily.project_id, 'label_name': daily.project_name},
                {
                    'label_type': 'Organization',
                    'label_id': coalesce(organizations.organization_id, daily.organization_name),
                    'label_name': daily.organization_name,
                },
                {
                    'label_type': 'BillingTag',
                    'label_id': coalesce(billing_tags.tag_id, daily.billing_tag),
                    'label_name': daily.billing_tag,
                },
            ]) as label,
        from daily
        left join organizations on organizations.organization_name = daily.organization_name
        left join billing_tags on billing_tags.billing_tag = daily.billing_tag
        where not daily.is_idle
    ) as exploded
    where exploded.label.label_id is not null
),

per_day as (
    select
        day,
        date_trunc('month', day)::date as month,
        label_type,
        label_id,
        max(label_name) as label_name,
        sum(total_cost_usd) as spend_usd,
    from labelled
    group by day, label_type, label_id
),

coverage as (
    select
        date_trunc('month', day)::date as month,
        max(day) as through_day,
    from daily
    group by all
),

cumulative as (
    select
        per_day.*,
        sum(spend_usd) over (
            partition by month, label_type, label_id order by day rows unbounded preceding
        ) as cumulative_usd,
    from per_day
),

budgets as (
    select
        label_type,
        label_id,
        limit_usd,
        'override' as budget_source,
    from staging.budget_overrides
),

month_labels as (
    select
        per_day.month,
        per_day.label_type,
        per_day.label_id,
        max(per_day.label_name) as label_name,
        coverage.through_day,
        sum(per_day.spend_usd) as spend_to_date_usd,
    from per_day
    inner join coverage on coverage.month = per_day.month
    group by per_day.month, per_day.label_type, per_day.label_id, coverage.through_day
),

run_rates as (
    select
        month_labels.month,
        month_labels.label_type,
        month_labels.label_id,
        coalesce(sum(per_day.spend_usd), 0) / 7 as run_rate_usd,
    from month_labels
    left join per_day
        on per_day.label_type = month_labels.label_type
        and per_day.label_id = month_labels.label_id
        and per_day.day > month_labels.through_day - interval 7 day
        and per_day.day <= month_labels.through_day
    group by all
),

forecasts as (
    select
        month_labels.*,
        datediff('day', month_labels.month, month_labels.through_day) + 1 as days_elapsed,
        day(last_day(month_labels.month)) as days_in_month,
        month_labels.through_day = last_day(month_labels.month) as is_closed,
        run_rates.run_rate_usd,
        month_labels.spend_to_date_usd
        + run_rates.run_rate_usd * (day(last_day(month_labels.month)) - day(month_labels.through_day))
            as forecast_usd,
        coalesce(budgets.limit_usd, defaults.limit_usd) as budget_usd,
        case
            when budgets.limit_usd is not null then 'override'
            when defaults.limit_usd is not null then 'default'
        end as budget_source,
    from month_labels
    inner join run_rates
        on run_rates.month = month_labels.month
        and run_rates.label_type = month_labels.label_type
        and run_rates.label_id = month_labels.label_id
    left join budgets
        on budgets.label_type = month_labels.label_type
        and budgets.label_id = month_labels.label_id
    left join staging.budget_defaults as defaults on defaults.label_type = month_labels.label_type
),

crossings as (
    select
        forecasts.month,
        forecasts.label_type,
        forecasts.label_id,
        min(cumulative.day) as crossed_on,
    from forecasts
    inner join cumulative
        on cumulative.month = forecasts.month
        and cumulative.label_type = forecasts.label_type
        and cumulative.label_id = forecasts.label_id
        and cumulative.cumulative_usd >= forecasts.budget_usd
    group by all
),

with_crossing as (
    select
        forecasts.*,
        case
            when crossings.crossed_on is not null then crossings.crossed_on
            when forecasts.budget_usd is null or forecasts.run_rate_usd <= 0 or forecasts.is_closed then null
            when forecasts.forecast_usd >= forecasts.budget_usd
                then (
                    forecasts.through_day
                    + to_days(
                        cast(
                            ceil((forecasts.budget_usd - forecasts.spend_to_date_usd) / forecasts.run_rate_usd)
                            as integer
                        )
                    )
                )::date
        end as crossing_date,
        crossings.crossed_on is null as not_crossed_yet,
    from forecasts
    left join crossings
        on crossings.month = forecasts.month
        and crossings.label_type = forecasts.label_type
        and crossings.label_id = forecasts.label_id
)

select
    month,
    label_type,
    label_id,
    label_name,
    through_day,
    days_elapsed,
    days_in_month,
    cast(spend_to_date_usd as decimal(18, 6)) as spend_to_date_usd,
    cast(run_rate_usd as decimal(18, 6)) as run_rate_usd,
    cast(forecast_usd as decimal(18, 6)) as forecast_usd,
    budget_usd,
    budget_source,
    round(100 * spend_to_date_usd / nullif(budget_usd, 0), 2) as spend_pct_of_budget,
    round(100 * forecast_usd / nullif(budget_usd, 0), 2) as forecast_pct_of_budget,
    crossing_date,
    case when crossing_date is not null then not_crossed_yet end as crossing_is_forecast,
    list_filter(
        getvariable('budget_alert_thresholds'), lambda threshold: spend_to_date_usd >= threshold * budget_usd
    ) as thresholds_reached,
    list_filter(
        getvariable('budget_alert_thresholds'), lambda threshold: forecast_usd >= threshold * budget_usd
    ) as thresholds_forecast,
    is_closed,
    'USD' as currency,
from with_crossing
where month >= getvariable('partition_start') and month < getvariable('partition_end')
