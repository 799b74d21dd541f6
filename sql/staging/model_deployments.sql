-- One row per model deployment (to an external deployment target) as listed now.
-- key: model_deployment_id
-- col model_deployment_id: Domino model deployment id
-- col model_deployment_name: deployment name
-- col status: deployment status (Running, Stopped, ...)
-- col creator_id: id of the user who created it
-- col creator_name: name of that user
-- col created_at: when it was created (UTC)
-- col deployment_target_id: the target it runs on (SageMaker, Kubernetes, Azure ML, ...)
-- col deployment_target_name: name of that target
-- col resource_configuration_id: the target's resource configuration it uses
-- col resource_configuration_name: name of that configuration
-- col extracted_at: when the deployment was last listed (UTC)
select
    id as model_deployment_id,
    name as model_deployment_name,
    coalesce(status ->> '$.status', status ->> '$') as status,
    creator_info ->> '$.id' as creator_id,
    coalesce(creator_info ->> '$.username', creator_info ->> '$.userName') as creator_name,
    try_cast(creation_timestamp as timestamptz) as created_at,
    deployment_target ->> '$.id' as deployment_target_id,
    deployment_target ->> '$.name' as deployment_target_name,
    resource_configuration ->> '$.id' as resource_configuration_id,
    resource_configuration ->> '$.name' as resource_configuration_name,
    _extracted_at as extracted_at,
from raw.model_deployments
qualify row_number() over (partition by id order by _extracted_at desc) = 1
