-- One row per model API version: when it was created and whether it is deployed.
-- key: model_api_id, version_id
-- col model_api_id: the model API
-- col version_id: Domino version id
-- col version_number: version number within the model API
-- col project_id: project the version was built from
-- col deployment_status: Running, Stopped, ...
-- col created_at: when the version was created (UTC)
-- col created_by: id of the user who created it
select
    model_api_id,
    id as version_id,
    number as version_number,
    project_id,
    deployment_status,
    created_at,
    created_by,
from raw.model_api_versions
qualify row_number() over (partition by model_api_id, id order by _extracted_at desc) = 1
