-- One line per month × cost centre (billing tag) × project: direct, shared and idle cost; a month's lines add up to its total exactly.
-- key: month, cost_centre, project_id
-- partition: month
-- grain: month
-- Direct = the project's own workload cost (Domino's total minus the shared cost it put on the row).
-- Shared = the shared cost Domino put on the project's rows, plus its part of the month's workloads
-- without a project (cluster services). Idle = its part of the month's __idle__ cost.
-- The two pools are split over the month's lines by the rule in DOMINO_CHARGEBACK_RULE: `proportional`
-- (default) to each line's direct cost, or `even` (equal parts); proportional falls back to even in a
-- month without direct cost. Shares are computed in whole micro-dollars (largest remainder: every line
-- gets the floor of its exact share, the leftover micro-dollars go one each to the lines with the largest
-- remainders), so the lines add up to the month's total to the last digit. Untagged projects are the
-- cost centre __unallocated__ (Domino's word for a missing label).
-- col month: first day of the calendar month (UTC)
-- col cost_centre: billing tag the cost was labelled with; __unallocated__ when untagged
-- col billing_tag: the billing tag (NULL = untagged)
-- col project_id: Domino project id
-- col project_name: project name
-- col direct_usd: the project's own workload cost, US dollars
-- col shared_usd: shared cost charged to the line, US dollars
-- col idle_usd: idle capacity cost charged to the line, US dollars
-- col total_usd: direct_usd + shared_usd + idle_usd, US dollars
-- col share_rule: how the pools were split: proportional or even
-- col month_total_usd: the month's total spend (every allocation row), US dollars
-- col currency: ISO 4217 currency of every amount (USD)
with

daily as (
    select
        date_trunc('month', day)::date as month,
        is_idle,
        project_id,
        project_name,
        billing_tag,
        total_cost_usd,
        shared_cost_usd,
    from reporting.cost_daily
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

lines as (
    select
        month,
        coalesce(billing_tag, '__unallocated__') as cost_centre,
        billing_tag,
        project_id,
        max(project_name) as project_name,
        sum(total_cost_usd - shared_cost_usd) as direct_usd,
        sum(shared_cost_usd) as own_shared_usd,
    from daily
    where not is_idle and project_id is not null
    group by all
),

pools as (
    select
        month,
        cast(coalesce(sum(total_cost_usd) filter (where is_idle), 0) * 1000000 as hugeint) as idle_micros,
        cast(
            coalesce(sum(total_cost_usd) filter (where not is_idle and project_id is null), 0) * 1000000
            as hugeint
        ) as shared_micros,
        sum(total_cost_usd) as month_total_usd,
    from daily
    group by month
),

weighted as (
    select
        lines.*,
        pools.idle_micros,
        pools.shared_micros,
        pools.month_total_usd,
        case
            when getvariable('chargeback_rule') = 'even' then 'even'
            when sum(greatest(lines.direct_usd, 0)) over (partition by lines.month) = 0 then 'even'
            else 'proportional'
        end as share_rule,
    from lines
    inner join pools on pools.month = lines.month
),

weights as (
    select
        *,
        case
            when share_rule = 'even' then 1
            else cast(greatest(direct_usd, 0) * 1000000 as hugeint)
        end as weight,
    from weighted
),

exact_shares as (
    select
        *,
        sum(weight) over (partition by month) as weight_total,
        idle_micros * weight // weight_total as idle_floor,
        idle_micros * weight % weight_total as idle_remainder,
        shared_micros * weight // weight_total as shared_floor,
        shared_micros * weight % weight_total as shared_remainder,
    from weights
),

leftovers as (
    select
        *,
        idle_micros - sum(idle_floor) over (partition by month) as idle_left,
        shared_micros - sum(shared_floor) over (partition by month) as shared_left,
        row_number() over (
            partition by month order by idle_remainder desc, weight desc, cost_centre, project_id
        ) as idle_rank,
        row_number() over (
            partition by month order by shared_remainder desc, weight desc, cost_centre, project_id
        ) as shared_rank,
    from exact_shares
),

charged as (
    select
        month,
        cost_centre,
        billing_tag,
        project_id,
        project_name,
        direct_usd,
        own_shared_usd
        + cast(shared_floor + (shared_rank <= shared_left)::int as decimal(38, 0)) * 0.000001 as shared_usd,
        cast(idle_floor + (idle_rank <= idle_left)::int as decimal(38, 0)) * 0.000001 as idle_usd,
        share_rule,
        month_total_usd,
    from leftovers
)

select
    month,
    cost_centre,
    billing_tag,
    project_id,
    project_name,
    cast(direct_usd as decimal(18, 6)) as direct_usd,
    cast(shared_usd as decimal(18, 6)) as shared_usd,
    cast(idle_usd as decimal(18, 6)) as idle_usd,
    cast(direct_usd + shared_usd + idle_usd as decimal(18, 6)) as total_usd,
    share_rule,
    cast(month_total_usd as decimal(18, 6)) as month_total_usd,
    'USD' as currency,
from charged
