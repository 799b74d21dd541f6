-- One row per budget label type (Project, Organization, BillingTag): Domino's default monthly budget, in US dollars.
-- key: label_type
-- col label_type: what the budget applies to: Project, Organization or BillingTag
-- col limit_usd: default monthly limit in US dollars; NULL when Domino has none assigned
-- col budget_window: the period a limit covers (monthly)
select
    budget_label as label_type,
    cast(budget_limit as decimal(18, 6)) as limit_usd,
    lower(coalesce(budget_window, 'monthly')) as budget_window,
from raw.budget_defaults
qualify row_number() over (partition by budget_label order by _extracted_at desc) = 1
