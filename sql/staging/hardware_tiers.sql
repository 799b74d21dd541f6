-- One row per hardware tier: its price and size.
-- key: hardware_tier_id
-- Hourly price = centsPerMinute × 60 / 100 dollars. Memory is converted to GiB from the unit Domino sends.
-- col hardware_tier_id: tier id (slug, e.g. small-k8s)
-- col hardware_tier_name: display name
-- col cents_per_minute: price in US cents per minute, as the admin set it
-- col usd_per_hour: price in US dollars per hour
-- col cores: CPU cores requested by the tier
-- col memory_gib: memory requested by the tier in GiB
-- col gpu_count: GPUs per run (0 for CPU tiers)
-- col is_archived: archived tiers cannot start new runs
-- col is_model_api_tier: tier reserved for model APIs
-- col node_pool: node pool the tier schedules on
select
    id as hardware_tier_id,
    name as hardware_tier_name,
    cents_per_minute,
    cast(cents_per_minute * 60 / 100 as decimal(18, 6)) as usd_per_hour,
    cores,
    memory_value * case lower(coalesce(memory_units, 'GiB'))
        when 'gib' then 1.0
        when 'gb' then 1e9 / 1073741824
        when 'mib' then 1.0 / 1024
        when 'mb' then 1e6 / 1073741824
    end as memory_gib,
    coalesce(gpu_count, 0) as gpu_count,
    coalesce(is_archived, false) as is_archived,
    coalesce(cast(_raw ->> '$.flags.isModelApiTier' as boolean), false) as is_model_api_tier,
    node_pool,
from raw.hardware_tiers
qualify row_number() over (partition by id order by _extracted_at desc) = 1
