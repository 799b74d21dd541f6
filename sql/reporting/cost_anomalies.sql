-- One row per project-day whose spend breaks from the project's own baseline, with the size of the jump.
-- key: day, project_id
-- partition: day
-- Baseline: the median and the median absolute deviation (MAD) of the project's spend over the 14 days
-- before (days without spend count as 0; at least 7 such days needed). A day is an anomaly when its
-- spend is at least $10, at least $10 above the median, and its robust z-score
-- (spend - median) / (1.4826 × MAD) is at least 3.5 (Iglewicz and Hoaglin); a MAD below 5% of the
-- median (or $0.50) is raised to that floor so flat baselines do not flag cents. Ranked by the jump in dollars.
-- col day: UTC day of the spend
-- col project_id: Domino project id
-- col project_name: project name as labelled on its cost
-- col spend_usd: the project's allocated cost that day in US dollars (idle excluded)
-- col baseline_median_usd: median daily spend over the 14 days before, US dollars
-- col baseline_mad_usd: median absolute deviation of those 14 days, US dollars
-- col jump_usd: spend minus the baseline median, US dollars
-- col jump_ratio: spend divided by the baseline median (NULL when the median is 0)
-- col robust_z: (spend - median) / (1.4826 × MAD, floored)
-- col rank_in_day: 1 for the day's largest jump
with

allocation as (
    select
        day,
        project_id,
        project_name,
        total_cost_usd,
    from staging.cost_allocation
    where not is_idle and project_id is not null
),

project_days as (
    select
        day,
        project_id,
        any_value(project_name) as project_name,
        sum(total_cost_usd) as spend_usd,
    from allocation
    group by day, project_id
),

calendar as (
    select cast(day as date) as day
    from (select min(day) as first_day, max(day) as last_day from project_days),
        unnest(generate_series(first_day, last_day, interval 1 day)) as days(day)
),

grid as (
    select
        calendar.day,
        projects.project_id,
        coalesce(project_days.spend_usd, 0) as spend_usd,
        project_days.project_name,
    from calendar
    cross join (select distinct project_id from project_days) as projects
    left join project_days
        on project_days.day = calendar.day and project_days.project_id = projects.project_id
),

history as (
    select
        today.day,
        today.project_id,
        today.project_name,
        today.spend_usd,
        before.spend_usd as past_usd,
    from grid as today
    join grid as before
        on before.project_id = today.project_id
        and before.day >= today.day - 14
        and before.day < today.day
    where today.spend_usd >= 10
        and today.day >= getvariable('partition_start')
        and today.day < getvariable('partition_end')
),

medians as (
    select
        day,
        project_id,
        any_value(project_name) as project_name,
        any_value(spend_usd) as spend_usd,
        median(past_usd) as baseline_median_usd,
        list(past_usd) as past,
        count(*) as baseline_days,
    from history
    group by day, project_id
),

scored as (
    select
        day,
        project_id,
        project_name,
        spend_usd,
        baseline_median_usd,
        (
            select median(abs(x - baseline_median_usd)) from unnest(past) as deviations(x)
        ) as baseline_mad_usd,
        baseline_days,
    from medians
)

select
    day,
    project_id,
    project_name,
    cast(spend_usd as decimal(18, 6)) as spend_usd,
    cast(baseline_median_usd as decimal(18, 6)) as baseline_median_usd,
    cast(baseline_mad_usd as decimal(18, 6)) as baseline_mad_usd,
    cast(spend_usd - baseline_median_usd as decimal(18, 6)) as jump_usd,
    round(spend_usd / nullif(baseline_median_usd, 0), 3) as jump_ratio,
    round(
        (spend_usd - baseline_median_usd)
        / (1.4826 * greatest(baseline_mad_usd, 0.05 * baseline_median_usd, 0.5)), 3
    ) as robust_z,
    row_number() over (partition by day order by spend_usd - baseline_median_usd desc) as rank_in_day,
from scored
where baseline_days >= 7
    and spend_usd - baseline_median_usd >= 10
    and (spend_usd - baseline_median_usd)
    / (1.4826 * greatest(baseline_mad_usd, 0.05 * baseline_median_usd, 0.5)) >= 3.5
