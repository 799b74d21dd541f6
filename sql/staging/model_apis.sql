-- One row per model API as listed now: tier, replicas and its active version's deployment.
-- key: model_api_id
-- col model_api_id: Domino model API id
-- col model_api_name: model API name
-- col project_id: project it serves from (the active version's project when the API does not say)
-- col hardware_tier_id: hardware tier of each replica
-- col replicas: replicas running
-- col is_archived: archived model APIs serve nothing
-- col active_version_id: the version now deployed
-- col active_status: deployment status of the active version (Running, Stopped, ...)
-- col created_at: when the model API was created (UTC)
-- col created_by: id of the user who created it
-- col extracted_at: when the model API was last listed (UTC)
select
    id as model_api_id,
    name as model_api_name,
    project_id,
    hardware_tier_id,
    coalesce(replicas, 1) as replicas,
    coalesce(is_archived, false) as is_archived,
    active_version_id,
    _raw ->> '$.activeVersion.deployment.status' as active_status,
    created_at,
    created_by,
    _extracted_at as extracted_at,
from raw.model_apis
qualify row_number() over (partition by id order by _extracted_at desc) = 1
