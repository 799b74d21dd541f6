-- One row per UTC day × event name × actor: how many audit events, in how many projects.
-- key: day, event_name, actor_id
-- partition: day
-- Events without an actor count under actor_id '(none)'.
-- col day: UTC day of the events
-- col event_name: Domino's event name
-- col actor_id: id of the user or service account who acted
-- col actor_name: name of the actor
-- col events: number of events
-- col projects: distinct projects the events happened in
-- col first_at: first event of the day (UTC)
-- col last_at: last event of the day (UTC)
with

events as (
    select
        day,
        event_at,
        coalesce(actor_id, '(none)') as actor_id,
        actor_name,
        coalesce(event_name, '(none)') as event_name,
        project_id,
    from staging.audit_events
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
)

select
    day,
    event_name,
    actor_id,
    max(actor_name) as actor_name,
    count(*) as events,
    count(distinct project_id) as projects,
    min(event_at) as first_at,
    max(event_at) as last_at,
from events
group by day, event_name, actor_id
