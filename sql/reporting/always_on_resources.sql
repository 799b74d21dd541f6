-- One row per always-on resource running now (app, model API, model deployment): tier, hourly cost, days running.
-- key: resource_type, resource_id
-- "Now" is when the resource was last listed. Hourly cost = the tier's centsPerMinute × 60 / 100 per
-- replica; model deployments run on external targets that Domino does not price (cost NULL).
-- col resource_type: app, model_api or model_deployment
-- col resource_id: Domino id of the resource
-- col resource_name: its name
-- col project_id: project it belongs to (NULL for model deployments)
-- col project_name: project name
-- col owner_id: publisher (apps) or creator (model APIs, deployments)
-- col owner_name: that user's name
-- col hardware_tier_id: hardware tier (the resource configuration for model deployments)
-- col replicas: replicas running (1 for apps and deployments)
-- col hourly_cost_usd: cost per hour in US dollars (NULL when Domino does not price it)
-- col monthly_cost_usd: hourly cost × 730 hours, US dollars
-- col running_since: when the running instance or version started (UTC)
-- col days_running: days from running_since to when it was last listed
-- col as_of: when it was last listed (UTC)
with

apps as (
    select
        'app' as resource_type,
        app_id as resource_id,
        app_name as resource_name,
        project_id,
        publisher_id as owner_id,
        hardware_tier_id,
        1 as replicas,
        instance_started_at as running_since,
        extracted_at as as_of,
    from staging.apps
    where status = 'Running'
),

versions as (
    select
        model_api_id,
        version_id,
        project_id,
        created_at,
    from staging.model_api_versions
),

model_apis as (
    select
        'model_api' as resource_type,
        model_apis.model_api_id as resource_id,
        model_apis.model_api_name as resource_name,
        coalesce(model_apis.project_id, versions.project_id) as project_id,
        model_apis.created_by as owner_id,
        model_apis.hardware_tier_id,
        model_apis.replicas,
        coalesce(versions.created_at, model_apis.created_at) as running_since,
        model_apis.extracted_at as as_of,
    from staging.model_apis as model_apis
    left join versions
        on versions.model_api_id = model_apis.model_api_id
        and versions.version_id = model_apis.active_version_id
    where not model_apis.is_archived and model_apis.active_status = 'Running'
),

deployments as (
    select
        'model_deployment' as resource_type,
        model_deployment_id as resource_id,
        model_deployment_name as resource_name,
        cast(null as varchar) as project_id,
        creator_id as owner_id,
        resource_configuration_name as hardware_tier_id,
        1 as replicas,
        created_at as running_since,
        extracted_at as as_of,
    from staging.model_deployments
    where status = 'Running'
),

resources as (
    select * from apps
    union all by name
    select * from model_apis
    union all by name
    select * from deployments
),

tiers as (
    select
        hardware_tier_id,
        usd_per_hour,
    from staging.hardware_tiers
),

projects as (
    select
        project_id,
        project_name,
    from staging.projects
),

users as (
    select
        user_id,
        user_name,
    from staging.users
)

select
    resources.resource_type,
    resources.resource_id,
    resources.resource_name,
    resources.project_id,
    projects.project_name,
    resources.owner_id,
    users.user_name as owner_name,
    resources.hardware_tier_id,
    resources.replicas,
    case
        when resources.resource_type <> 'model_deployment'
            then cast(tiers.usd_per_hour * resources.replicas as decimal(18, 6))
    end as hourly_cost_usd,
    cast(hourly_cost_usd * 730 as decimal(18, 6)) as monthly_cost_usd,
    resources.running_since,
    round(date_diff('second', resources.running_since, resources.as_of) / 86400, 2) as days_running,
    resources.as_of,
from resources
left join tiers on tiers.hardware_tier_id = resources.hardware_tier_id
left join projects on projects.project_id = resources.project_id
left join users on users.user_id = resources.owner_id
