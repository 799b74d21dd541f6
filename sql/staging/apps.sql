-- One row per app as listed now, with its current version's tier and its current instance's status.
-- key: app_id
-- col app_id: Domino app id
-- col app_name: app name
-- col project_id: project the app belongs to
-- col project_name: project name
-- col publisher_id: id of the user who published the app
-- col status: status of the current instance (Running, Stopped, ...)
-- col hardware_tier_id: hardware tier of the current version
-- col environment_id: compute environment of the current version
-- col current_version_id: the version now published
-- col current_instance_id: the current version's instance
-- col instance_started_at: when the current instance was created (UTC)
-- col extracted_at: when the app was last listed (UTC)
select
    id as app_id,
    name as app_name,
    project_id,
    project_name,
    publisher_id,
    status,
    hardware_tier_id,
    environment_id,
    current_version_id,
    _raw ->> '$.currentVersion.currentInstance.id' as current_instance_id,
    coalesce(
        try_cast(_raw ->> '$.currentVersion.currentInstance.createdAt' as timestamptz),
        to_timestamp(try_cast(_raw ->> '$.currentVersion.currentInstance.createdAt' as bigint) / 1000)
    ) as instance_started_at,
    _extracted_at as extracted_at,
from raw.apps
qualify row_number() over (partition by id order by _extracted_at desc) = 1
