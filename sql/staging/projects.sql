-- One row per Domino project as it is now: owner, organization (the owner's) and current billing tag.
-- key: project_id
-- Domino's project record has no organization; the project belongs to its owner's organization (the
-- one where the owner is admin first, then by name), as Domino's cost labels do.
-- col project_id: Domino project id
-- col project_name: project name
-- col owner_id: user id of the project owner
-- col owner_name: user name of the project owner
-- col organization_id: organization of the owner (NULL when the owner belongs to none)
-- col organization_name: name of that organization
-- col billing_tag: current billing tag (cost centre); NULL = untagged
-- col visibility: Private, Public or Searchable
with

projects as (
    select
        id as project_id,
        name as project_name,
        owner_id,
        owner_username as owner_name,
        billing_tag,
        visibility,
    from raw.projects
    qualify row_number() over (partition by id order by _extracted_at desc) = 1
),

memberships as (
    select
        organizations.id as organization_id,
        organizations.name as organization_name,
        member ->> 'userId' as user_id,
        member ->> 'organizationRole' as organization_role,
    from raw.organizations as organizations,
        unnest(cast(organizations.members as json[])) as members(member)
),

owner_organization as (
    select
        user_id,
        arg_min(organization_id, (organization_role != 'admin', organization_name)) as organization_id,
        arg_min(organization_name, (organization_role != 'admin', organization_name)) as organization_name,
    from memberships
    group by user_id
)

select
    projects.project_id,
    projects.project_name,
    projects.owner_id,
    projects.owner_name,
    owner_organization.organization_id,
    owner_organization.organization_name,
    projects.billing_tag,
    projects.visibility,
from projects
left join owner_organization on owner_organization.user_id = projects.owner_id
