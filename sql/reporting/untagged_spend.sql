-- One row per month × project with spend that carried no billing tag: cost, days untagged, share of the month's total, owner.
-- key: month, project_id
-- partition: month
-- grain: month
-- Untagged = Domino's billing-tag label was unset (billing_tag IS NULL) on the workload; the idle row is
-- not project spend and is left out. current_billing_tag shows whether the project has a tag now.
-- col month: first day of the calendar month (UTC)
-- col project_id: Domino project id
-- col project_name: project name
-- col owner_name: user name of the project owner (NULL if the project no longer exists)
-- col organization_name: organization of the project owner
-- col current_billing_tag: the project's billing tag now (NULL = still untagged)
-- col untagged_cost_usd: spend without a billing tag in the month, US dollars
-- col project_cost_usd: all of the project's spend in the month, US dollars
-- col days_untagged: days of the month with untagged spend
-- col month_total_usd: the month's total spend (idle included), US dollars
-- col share_of_month_pct: untagged_cost_usd as a percentage of month_total_usd
-- col currency: ISO 4217 currency of every amount (USD)
with

daily as (
    select
        day,
        date_trunc('month', day)::date as month,
        project_id,
        project_name,
        billing_tag,
        is_idle,
        total_cost_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

projects as (
    select
        project_id,
        owner_name,
        organization_name,
        billing_tag,
    from staging.projects
),

month_totals as (
    select
        month,
        sum(total_cost_usd) as month_total_usd,
    from daily
    group by month
),

by_project as (
    select
        month,
        project_id,
        max(project_name) as project_name,
        sum(total_cost_usd) filter (where billing_tag is null) as untagged_cost_usd,
        sum(total_cost_usd) as project_cost_usd,
        count(distinct day) filter (where billing_tag is null) as days_untagged,
    from daily
    where not is_idle and project_id is not null
    group by all
)

select
    by_project.month,
    by_project.project_id,
    by_project.project_name,
    projects.owner_name,
    projects.organization_name,
    projects.billing_tag as current_billing_tag,
    cast(by_project.untagged_cost_usd as decimal(18, 6)) as untagged_cost_usd,
    cast(by_project.project_cost_usd as decimal(18, 6)) as project_cost_usd,
    by_project.days_untagged,
    cast(month_totals.month_total_usd as decimal(18, 6)) as month_total_usd,
    round(100 * by_project.untagged_cost_usd / nullif(month_totals.month_total_usd, 0), 4) as share_of_month_pct,
    'USD' as currency,
from by_project
inner join month_totals on month_totals.month = by_project.month
left join projects on projects.project_id = by_project.project_id
where by_project.untagged_cost_usd is not null
