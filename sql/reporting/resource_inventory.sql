-- One row per resource of every area per daily snapshot: type, id, name, project, owner, status, created, tier.
-- key: snapshot_date, resource_type, resource_id
-- The daily history comes from the raw snapshots; is_current marks the rows of each area's latest
-- snapshot (a resource missing from it is gone from Domino; its history stays).
-- col snapshot_date: UTC day the inventory was listed
-- col resource_type: project, user, organization, hardware_tier, environment, dataset, app, model_api, model_deployment, registered_model, data_source, ai_gateway_endpoint, service_account, deployment_target or billing_tag
-- col resource_id: Domino id (the name for registered models, AI gateway endpoints and billing tags)
-- col resource_name: name
-- col project_id: project the resource belongs to (NULL when none)
-- col project_name: that project's name
-- col owner_id: owning user id where Domino says
-- col owner_name: owning user name
-- col status: status
-- col created_at: creation time (UTC) where Domino says
-- col hardware_tier_id: hardware tier (apps, model APIs) or resource configuration (model deployments)
-- col first_seen_date: first snapshot that listed the resource
-- col is_current: true when the resource is in its area's latest snapshot
with

snapshots as (
    select
        snapshot_date,
        resource_type,
        resource_id,
        resource_name,
        project_id,
        owner_id,
        owner_name,
        status,
        created_at,
        hardware_tier_id,
    from staging.inventory_snapshots
),

latest as (
    select
        resource_type,
        max(snapshot_date) as snapshot_date,
    from snapshots
    group by resource_type
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
    snapshots.snapshot_date,
    snapshots.resource_type,
    snapshots.resource_id,
    snapshots.resource_name,
    snapshots.project_id,
    projects.project_name,
    coalesce(snapshots.owner_id, owners.user_id) as owner_id,
    coalesce(users.user_name, snapshots.owner_name) as owner_name,
    snapshots.status,
    snapshots.created_at,
    snapshots.hardware_tier_id,
    min(snapshots.snapshot_date) over (
        partition by snapshots.resource_type, snapshots.resource_id
    ) as first_seen_date,
    snapshots.snapshot_date = latest.snapshot_date as is_current,
from snapshots
join latest on latest.resource_type = snapshots.resource_type
left join projects on projects.project_id = snapshots.project_id
left join users on users.user_id = snapshots.owner_id
left join users as owners on snapshots.owner_id is null and owners.user_name = snapshots.owner_name
