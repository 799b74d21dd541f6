-- One row per compute environment as listed now.
-- key: environment_id
-- col environment_id: Domino environment id
-- col environment_name: environment name
-- col is_archived: archived environments cannot start new runs
select
    id as environment_id,
    name as environment_name,
    coalesce(archived, false) as is_archived,
from raw.environments
qualify row_number() over (partition by id order by _extracted_at desc) = 1
