-- One row per data-source audit event: who created or used which data source, when, from which project.
-- key: data_source_id, event_kind, performed_by, event_at
-- col data_source_id: Domino data source id
-- col data_source_name: data source name
-- col data_source_type: connector type (SnowflakeConfig, S3Config, ...)
-- col event_kind: what happened (CreateDataSource, AccessDataSource, ...)
-- col performed_by: id of the user who did it
-- col project_id: project the access came from (from the event's metadata; NULL when absent)
-- col event_at: when it happened (UTC)
-- col day: UTC day of the event
select
    data_source_id,
    data_source_name,
    data_source_type,
    event_kind,
    performed_by,
    metadata ->> '$.projectId' as project_id,
    timestamp as event_at,
    cast(timezone('UTC', timestamp) as date) as day,
from raw.data_source_audit
qualify row_number() over (
    partition by data_source_id, event_kind, performed_by, timestamp order by _extracted_at desc
) = 1
