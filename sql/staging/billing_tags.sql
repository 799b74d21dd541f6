-- One row per billing tag (cost centre) Domino lists as active, with its id when Domino sent it.
-- key: billing_tag
-- col billing_tag: the tag (the billing-tag label on cost rows)
-- col tag_id: Domino's id of the tag (what budget overrides refer to); NULL when unknown
-- col active: whether the tag can be assigned
select
    tags.tag as billing_tag,
    coalesce(details.tag_id, tags.tag_id) as tag_id,
    coalesce(details.active, tags.active, true) as active,
from raw.billing_tags as tags
left join raw.billing_tag_details as details on details.tag = tags.tag
qualify row_number() over (partition by tags.tag order by tags._extracted_at desc) = 1
