-- One row per UTC day × user × project × data source or dataset × action: who used which data, from where.
-- key: day, user_id, project_id, resource_type, resource_id, action
-- partition: day
-- Data sources from Domino's data-source audit log; datasets from audit events that target a dataset
-- (creation, grants, snapshots, mounts, ...). A missing user or project is '(none)'.
-- col day: UTC day of the access
-- col user_id: id of the user who acted
-- col user_name: that user's name
-- col project_id: project the access came from
-- col project_name: that project's name
-- col resource_type: data_source or dataset
-- col resource_id: Domino id of the data source or dataset
-- col resource_name: its name
-- col action: the data-source event kind or the audit event name
-- col accesses: number of events
-- col first_at: first such event that day (UTC)
-- col last_at: last such event that day (UTC)
with

data_sources as (
    select
        day,
        event_at,
        performed_by as user_id,
        project_id,
        'data_source' as resource_type,
        data_source_id as resource_id,
        data_source_name as resource_name,
        event_kind as action,
    from staging.data_source_audit
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

events as (
    select
        event_key,
        day,
        event_at,
        actor_id,
        event_name,
        project_id,
    from staging.audit_events
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

dataset_targets as (
    select distinct
        event_key,
        target_index,
        entity_id,
        entity_name,
    from staging.audit_event_targets
    where lower(entity_type) = 'dataset'
),

datasets as (
    select
        events.day,
        events.event_at,
        events.actor_id as user_id,
        events.project_id,
        'dataset' as resource_type,
        dataset_targets.entity_id as resource_id,
        dataset_targets.entity_name as resource_name,
        events.event_name as action,
    from events
    join dataset_targets on dataset_targets.event_key = events.event_key
),

accesses as (
    select * from data_sources
    union all by name
    select * from datasets
),

users as (
    select
        user_id,
        user_name,
    from staging.users
),

projects as (
    select
        project_id,
        project_name,
    from staging.projects
)

select
    accesses.day,
    coalesce(accesses.user_id, '(none)') as user_id,
    any_value(users.user_name) as user_name,
    coalesce(accesses.project_id, '(none)') as project_id,
    any_value(projects.project_name) as project_name,
    accesses.resource_type,
    accesses.resource_id,
    any_value(accesses.resource_name) as resource_name,
    accesses.action,
    count(*) as accesses,
    min(accesses.event_at) as first_at,
    max(accesses.event_at) as last_at,
from accesses
left join users on users.user_id = accesses.user_id
left join projects on projects.project_id = accesses.project_id
group by all
