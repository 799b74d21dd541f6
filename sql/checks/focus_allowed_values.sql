-- Categorical FOCUS columns hold allowed values (ServiceCategory 'AI and Machine Learning' with one of its own subcategories), BillingCurrency is an ISO 4217 code and Tags is a JSON object.
-- model: focus.cost_and_usage
-- plant: update focus.cost_and_usage set ChargeCategory = 'usage', Tags = '["not", "an", "object"]' where x_IsIdle = false and x_ChargeDate = (select min(x_ChargeDate) from focus.cost_and_usage)
with

checked as (
    select
        ChargePeriodStart,
        x_AllocationKey,
        concat_ws(
            ', ',
            case
                when ChargeCategory not in ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment') then 'ChargeCategory'
            end,
            case when ChargeClass <> 'Correction' then 'ChargeClass' end,
            case when ChargeFrequency not in ('One-Time', 'Recurring', 'Usage-Based') then 'ChargeFrequency' end,
            case when PricingCategory not in ('Standard', 'Dynamic', 'Committed', 'Other') then 'PricingCategory' end,
            case when ServiceCategory <> 'AI and Machine Learning' then 'ServiceCategory' end,
            case
                when ServiceSubcategory not in (
                    'AI Platforms',
                    'Bots',
                    'Generative AI',
                    'Machine Learning',
                    'Natural Language Processing',
                    'Other (AI and Machine Learning)'
                ) then 'ServiceSubcategory'
            end,
            case when not regexp_full_match(BillingCurrency, '[A-Z]{3}') then 'BillingCurrency' end,
            case when json_type(Tags) <> 'OBJECT' then 'Tags' end,
        ) as wrong_columns,
    from focus.cost_and_usage
    where x_ChargeDate >= getvariable('partition_start') and x_ChargeDate < getvariable('partition_end')
)

select
    ChargePeriodStart,
    x_AllocationKey,
    wrong_columns,
from checked
where wrong_columns <> ''
