-- One row per audit event target × field change: what an event touched and how each field changed.
-- key: event_key, target_index, change_index
-- A target without field changes has change_index -1 and NULL field columns.
-- col event_key: the event (staging.audit_events)
-- col event_at: when the event happened (UTC)
-- col target_index: position of the target in the event
-- col entity_type: kind of entity targeted (project, user, dataset, job, ...)
-- col entity_id: id of the entity targeted
-- col entity_name: name of the entity targeted
-- col change_index: position of the field change in the target (-1 when none)
-- col field_name: field that changed
-- col field_type: scalar or sequence
-- col before_value: value before (scalars)
-- col after_value: value after (scalars)
-- col added: entries added (sequences), JSON
-- col removed: entries removed (sequences), JSON
select
    event_key,
    event_time as event_at,
    target_index,
    entity_type,
    entity_id,
    entity_name,
    coalesce(change_index, -1) as change_index,
    field_name,
    field_type,
    before as before_value,
    after as after_value,
    added,
    removed,
from raw.audit_event_targets
qualify row_number() over (
    partition by event_key, target_index, change_index order by _extracted_at desc
) = 1
