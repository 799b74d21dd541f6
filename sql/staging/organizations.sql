-- One row per Domino organization: id and name.
-- key: organization_id
-- col organization_id: Domino organization id
-- col organization_name: organization name (the organization label on cost rows)
-- col members: number of members
select
    id as organization_id,
    name as organization_name,
    coalesce(json_array_length(members), 0) as members,
from raw.organizations
qualify row_number() over (partition by id order by _extracted_at desc) = 1
