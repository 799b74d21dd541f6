-- One row per audit event: when, who, what and in which project.
-- key: event_key
-- col event_key: stable key of the event (Domino sends no event id)
-- col event_at: when the event happened (UTC)
-- col day: UTC day of the event
-- col actor_id: id of the user (or service account) who acted
-- col actor_name: name of the actor
-- col event_name: Domino's event name (e.g. Start Job, Add Collaborator)
-- col project_id: project the event happened in (NULL outside projects)
-- col project_name: name of that project
-- col target_count: number of targets the event names
select
    event_key,
    event_time as event_at,
    cast(timezone('UTC', event_time) as date) as day,
    actor_id,
    actor_name,
    event_name,
    project_id,
    project_name,
    coalesce(target_count, 0) as target_count,
from raw.audit_events
qualify row_number() over (partition by event_key order by _extracted_at desc) = 1
