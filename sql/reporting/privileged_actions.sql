-- One row per privileged change in the audit trail: who changed what, when, from what to what.
-- key: event_key, target_index, change_index
-- partition: day
-- Privileged: grants and permissions, collaborators and roles, service accounts and tokens, billing
-- settings and tags, budgets, hardware tiers, deployment targets, organizations, API keys; matched on the
-- event name and the target's entity type. Sequence changes show their added/removed entries as text.
-- col day: UTC day of the action
-- col event_at: when it happened (UTC)
-- col event_key: the audit event (staging.audit_events)
-- col target_index: position of the target in the event (-1 when the event names none)
-- col change_index: position of the field change (-1 when none)
-- col category: access, identity, billing, hardware_tier, deployment_target or organization
-- col actor_id: id of the user or service account who acted
-- col actor_name: name of the actor
-- col event_name: Domino's event name
-- col project_id: project it happened in (NULL outside projects)
-- col project_name: name of that project
-- col entity_type: kind of entity changed
-- col entity_id: id of the entity changed
-- col entity_name: name of the entity changed
-- col field_name: field that changed
-- col before_value: value before (removed entries for sequences)
-- col after_value: value after (added entries for sequences)
with

events as (
    select
        event_key,
        event_at,
        day,
        actor_id,
        actor_name,
        event_name,
        project_id,
        project_name,
    from staging.audit_events
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

targets as (
    select
        event_key,
        target_index,
        change_index,
        entity_type,
        entity_id,
        entity_name,
        field_name,
        field_type,
        before_value,
        after_value,
        added,
        removed,
    from staging.audit_event_targets
),

classified as (
    select
        events.*,
        targets.target_index,
        targets.change_index,
        targets.entity_type,
        targets.entity_id,
        targets.entity_name,
        targets.field_name,
        targets.field_type,
        targets.before_value,
        targets.after_value,
        targets.added,
        targets.removed,
        case
            when regexp_matches(lower(events.event_name), 'service account|token|api key')
                or lower(targets.entity_type) in ('serviceaccount', 'token', 'serviceaccounttoken')
                then 'identity'
            when regexp_matches(lower(events.event_name), 'grant|permission|collaborator|role|access')
                then 'access'
            when regexp_matches(lower(events.event_name), 'billing|budget')
                or lower(targets.entity_type) in ('billingtag', 'billingtagsettings', 'budget')
                then 'billing'
            when regexp_matches(lower(events.event_name), 'hardware tier')
                or lower(targets.entity_type) = 'hardwaretier'
                then 'hardware_tier'
            when regexp_matches(lower(events.event_name), 'deployment target|resource configuration')
                or lower(targets.entity_type) in ('deploymenttarget', 'resourceconfiguration')
                then 'deployment_target'
            when regexp_matches(lower(events.event_name), 'organization')
                or lower(targets.entity_type) = 'organization'
                then 'organization'
        end as category,
    from events
    left join targets on targets.event_key = events.event_key
)

select
    day,
    event_at,
    event_key,
    coalesce(target_index, -1) as target_index,
    coalesce(change_index, -1) as change_index,
    category,
    actor_id,
    actor_name,
    event_name,
    project_id,
    project_name,
    entity_type,
    entity_id,
    entity_name,
    field_name,
    case
        when field_type = 'sequence'
            then (
                select string_agg(coalesce(entry ->> 'name', entry ->> 'id', cast(entry as varchar)), ', ')
                from unnest(cast(removed as json[])) as entries(entry)
            )
        else before_value
    end as before_value,
    case
        when field_type = 'sequence'
            then (
                select string_agg(coalesce(entry ->> 'name', entry ->> 'id', cast(entry as varchar)), ', ')
                from unnest(cast(added as json[])) as entries(entry)
            )
        else after_value
    end as after_value,
from classified
where category is not null
