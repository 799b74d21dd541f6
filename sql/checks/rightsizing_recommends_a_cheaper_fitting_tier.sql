-- Every recommended tier is cheaper than the current one and holds the observed peak at the target utilisation.
-- model: reporting.rightsizing
-- plant: update reporting.rightsizing set recommended_tier_id = hardware_tier_id where resource_id = (select min(resource_id) from reporting.rightsizing)
select
    rightsizing.resource_type,
    rightsizing.resource_id,
    rightsizing.hardware_tier_id,
    rightsizing.recommended_tier_id,
from reporting.rightsizing as rightsizing
left join staging.hardware_tiers as current_tier
    on current_tier.hardware_tier_id = rightsizing.hardware_tier_id
left join staging.hardware_tiers as recommended
    on recommended.hardware_tier_id = rightsizing.recommended_tier_id
where recommended.hardware_tier_id is null
    or recommended.cents_per_minute >= current_tier.cents_per_minute
    or recommended.cores < rightsizing.peak_cpu_cores / rightsizing.target_utilisation - 0.001
    or recommended.memory_gib < rightsizing.peak_memory_gib / rightsizing.target_utilisation - 0.001
    or rightsizing.monthly_saving_usd <= 0
