-- One row per Domino user as listed now: names and whether they hold the SysAdmin role.
-- key: user_id
-- col user_id: Domino user id
-- col user_name: login name
-- col full_name: full name
-- col email: e-mail address
-- col is_sysadmin: true when the user's roles include SysAdmin
select
    id as user_id,
    user_name,
    full_name,
    email,
    coalesce(list_contains(cast(roles as varchar[]), 'SysAdmin'), false) as is_sysadmin,
from raw.users
qualify row_number() over (partition by id order by _extracted_at desc) = 1
