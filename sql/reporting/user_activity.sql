-- One row per user (and per other audit actor): first and last seen, events, jobs, spend, running resources.
-- key: user_id
-- Seen = acted in the audit trail or started a run. "As of" is the latest audit event or run start held.
-- Inactive owners: users not seen for 30 days or more who still own running resources (always-on
-- resources they published or created, runs still running) or had run spend in those 30 days.
-- col user_id: Domino user (or service account) id
-- col user_name: user name
-- col is_sysadmin: true when the user holds the SysAdmin role
-- col first_seen_at: first audit event or run start (UTC)
-- col last_seen_at: last audit event or run start (UTC)
-- col events: audit events the user performed
-- col jobs: jobs the user started
-- col spend_usd: cost of the user's runs (jobs and workspaces) in US dollars
-- col spend_last_30_days_usd: cost of the user's runs started in the 30 days before as_of, US dollars
-- col running_resources: always-on resources owned plus runs still running
-- col running_hourly_cost_usd: hourly cost of the always-on resources owned, US dollars
-- col days_inactive: whole days from last_seen_at to as_of
-- col is_inactive_owner: not seen for 30+ days yet owning running resources or spending
-- col as_of: the latest audit event or run start held (UTC)
with

events as (
    select
        actor_id as user_id,
        any_value(actor_name) as actor_name,
        count(*) as events,
        min(event_at) as first_at,
        max(event_at) as last_at,
    from staging.audit_events
    where actor_id is not null
    group by actor_id
),

jobs as (
    select
        user_id,
        count(*) as jobs,
        sum(cost_usd) as spend_usd,
        min(coalesce(started_at, submitted_at)) as first_at,
        max(coalesce(started_at, submitted_at)) as last_at,
    from reporting.job_costs
    where user_id is not null
    group by user_id
),

horizon as (
    select
        greatest(
            (select max(event_at) from staging.audit_events),
            (select max(coalesce(started_at, submitted_at)) from reporting.job_costs),
            (select max(coalesce(started_at, queued_at)) from staging.runs)
        ) as as_of
),

runs as (
    select
        user_id,
        run_type,
        coalesce(started_at, queued_at) as started_at,
        ended_at,
        total_cost_usd,
    from staging.runs
),

other_runs as (
    select
        runs.user_id,
        sum(runs.total_cost_usd) as spend_usd,
        min(runs.started_at) as first_at,
        max(runs.started_at) as last_at,
    from runs
    where runs.run_type <> 'Batch'
    group by runs.user_id
),

recent as (
    select
        user_id,
        sum(cost_usd) as spend_usd,
    from (
        select user_id, cost_usd, coalesce(started_at, submitted_at) as started_at from reporting.job_costs
        union all
        select user_id, total_cost_usd, started_at from runs where run_type <> 'Batch'
    )
    where started_at >= (select as_of from horizon) - interval 30 day
    group by user_id
),

running as (
    select
        owner_id as user_id,
        count(*) as resources,
        sum(coalesce(hourly_cost_usd, 0)) as hourly_cost_usd,
    from reporting.always_on_resources
    group by owner_id
    union all
    select
        user_id,
        count(*) as resources,
        0 as hourly_cost_usd,
    from runs
    where ended_at is null and started_at is not null
    group by user_id
),

owned as (
    select
        user_id,
        sum(resources) as resources,
        sum(hourly_cost_usd) as hourly_cost_usd,
    from running
    group by user_id
),

users as (
    select
        user_id,
        user_name,
        is_sysadmin,
    from staging.users
),

everyone as (
    select user_id from users
    union
    select user_id from events
    union
    select user_id from jobs
),

activity as (
    select
        everyone.user_id,
        coalesce(users.user_name, events.actor_name) as user_name,
        coalesce(users.is_sysadmin, false) as is_sysadmin,
        least(events.first_at, jobs.first_at, other_runs.first_at) as first_seen_at,
        greatest(events.last_at, jobs.last_at, other_runs.last_at) as last_seen_at,
        coalesce(events.events, 0) as events,
        coalesce(jobs.jobs, 0) as jobs,
        coalesce(jobs.spend_usd, 0) + coalesce(other_runs.spend_usd, 0) as spend_usd,
        coalesce(recent.spend_usd, 0) as spend_last_30_days_usd,
        coalesce(owned.resources, 0) as running_resources,
        coalesce(owned.hourly_cost_usd, 0) as running_hourly_cost_usd,
        horizon.as_of,
    from everyone
    cross join horizon
    left join users on users.user_id = everyone.user_id
    left join events on events.user_id = everyone.user_id
    left join jobs on jobs.user_id = everyone.user_id
    left join other_runs on other_runs.user_id = everyone.user_id
    left join recent on recent.user_id = everyone.user_id
    left join owned on owned.user_id = everyone.user_id
)

select
    user_id,
    user_name,
    is_sysadmin,
    first_seen_at,
    last_seen_at,
    events,
    jobs,
    cast(spend_usd as decimal(18, 6)) as spend_usd,
    cast(spend_last_30_days_usd as decimal(18, 6)) as spend_last_30_days_usd,
    running_resources,
    cast(running_hourly_cost_usd as decimal(18, 6)) as running_hourly_cost_usd,
    date_diff('day', last_seen_at, as_of) as days_inactive,
    coalesce(
        (last_seen_at is null or date_diff('day', last_seen_at, as_of) >= 30)
        and (running_resources > 0 or spend_last_30_days_usd > 0),
        false
    ) as is_inactive_owner,
    as_of,
from activity
