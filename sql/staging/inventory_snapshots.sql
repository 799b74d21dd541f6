-- One row per daily inventory snapshot × resource of every area, in one shape (from raw.<table>_history).
-- key: snapshot_date, resource_type, resource_id
-- Areas: projects, users, organizations, hardware tiers, environments, datasets, apps, model APIs, model
-- deployments, registered models, data sources, AI gateway endpoints, service accounts, deployment targets
-- and billing tags. Status is Domino's where it has one, else active/archived/inactive from its flags.
-- col snapshot_date: UTC day the inventory was listed
-- col resource_type: project, user, organization, hardware_tier, environment, dataset, app, model_api, model_deployment, registered_model, data_source, ai_gateway_endpoint, service_account, deployment_target or billing_tag
-- col resource_id: Domino id (the name for registered models, AI gateway endpoints and billing tags)
-- col resource_name: name
-- col project_id: project the resource belongs to (NULL when it belongs to none)
-- col owner_id: owning user id (owner, publisher or creator) where Domino says
-- col owner_name: owning user name where Domino gives only the name
-- col status: status
-- col created_at: creation time (UTC) where Domino says
-- col hardware_tier_id: hardware tier (apps, model APIs) or resource configuration (model deployments)
select snapshot_date, 'project' as resource_type, id as resource_id, name as resource_name,
    id as project_id, owner_id, owner_username as owner_name, 'active' as status,
    cast(null as timestamptz) as created_at, cast(null as varchar) as hardware_tier_id,
from raw.projects_history
union all
select snapshot_date, 'user', id, user_name, null, null, null, 'active', null, null,
from raw.users_history
union all
select snapshot_date, 'organization', id, name, null, null, null, 'active', null, null,
from raw.organizations_history
union all
select snapshot_date, 'hardware_tier', id, name, null, null, null,
    case when coalesce(is_archived, false) then 'archived' else 'active' end, creation_time, id,
from raw.hardware_tiers_history
union all
select snapshot_date, 'environment', id, name, null, owner_id, owner_username,
    case when coalesce(archived, false) then 'archived' else 'active' end, null, null,
from raw.environments_history
union all
select snapshot_date, 'dataset', id, name, project_id, null, project_owner_username, 'active', created_at, null,
from raw.datasets_history
union all
select snapshot_date, 'app', id, name, project_id, publisher_id, null, status,
    try_cast(_raw ->> '$.currentVersion.createdAt' as timestamptz), hardware_tier_id,
from raw.apps_history
union all
select snapshot_date, 'model_api', id, name,
    coalesce(project_id, _raw ->> '$.activeVersion.projectId'), created_by, null,
    case when coalesce(is_archived, false) then 'archived' else _raw ->> '$.activeVersion.deployment.status' end,
    created_at, hardware_tier_id,
from raw.model_apis_history
union all
select snapshot_date, 'model_deployment', id, name, null, creator_info ->> '$.id', creator_info ->> '$.username',
    coalesce(status ->> '$.status', status ->> '$'), try_cast(creation_timestamp as timestamptz),
    resource_configuration ->> '$.name',
from raw.model_deployments_history
union all
select snapshot_date, 'registered_model', name, name, project_id, null, owner_username, 'active',
    try_cast(created_at as timestamptz), null,
from raw.registered_models_history
union all
select snapshot_date, 'data_source', id, name, null, owner_id, owner_username, 'active', null, null,
from raw.data_sources_history
union all
select snapshot_date, 'ai_gateway_endpoint', endpoint_name, endpoint_name, null, null, null, 'active',
    try_cast(created_at as timestamptz), null,
from raw.ai_gateway_endpoints_history
union all
select snapshot_date, 'service_account', id, username, null, null, null,
    case when coalesce(is_active, true) then 'active' else 'inactive' end, null, null,
from raw.service_accounts_history
union all
select snapshot_date, 'deployment_target', id, name, null, null, null,
    case when coalesce(is_active, true) then 'active' else 'inactive' end, null, null,
from raw.deployment_targets_history
union all
select snapshot_date, 'billing_tag', tag, tag, null, null, null,
    case when coalesce(active, true) then 'active' else 'inactive' end, null, null,
from raw.billing_tags_history
