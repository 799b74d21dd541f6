-- One row per project, organization or billing tag whose monthly budget differs from the default, in US dollars.
-- key: label_type, label_id
-- col label_type: what the budget applies to: Project, Organization or BillingTag
-- col label_id: the project id, organization id or billing tag id (tagId) it applies to
-- col limit_usd: monthly limit in US dollars
-- col budget_window: the period a limit covers (monthly)
select
    budget_label as label_type,
    label_id,
    cast(budget_limit as decimal(18, 6)) as limit_usd,
    lower(coalesce(budget_window, 'monthly')) as budget_window,
from raw.budget_overrides
qualify row_number() over (partition by label_id order by _extracted_at desc) = 1
