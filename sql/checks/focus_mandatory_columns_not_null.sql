-- Every column FOCUS 1.2 requires on our usage rows is filled, and SubAccountName and SubAccountType are set exactly where SubAccountId is.
-- model: focus.cost_and_usage
-- plant: update focus.cost_and_usage set BilledCost = null, ServiceSubcategory = null where x_IsIdle and x_ChargeDate = (select min(x_ChargeDate) from focus.cost_and_usage)
with

checked as (
    select
        ChargePeriodStart,
        x_AllocationKey,
        concat_ws(
            ', ',
            case when BilledCost is null then 'BilledCost' end,
            case when BillingAccountId is null then 'BillingAccountId' end,
            case when BillingAccountName is null then 'BillingAccountName' end,
            case when BillingCurrency is null then 'BillingCurrency' end,
            case when BillingPeriodEnd is null then 'BillingPeriodEnd' end,
            case when BillingPeriodStart is null then 'BillingPeriodStart' end,
            case when ChargeCategory is null then 'ChargeCategory' end,
            case when ChargeDescription is null then 'ChargeDescription' end,
            case when ChargeFrequency is null then 'ChargeFrequency' end,
            case when ChargePeriodEnd is null then 'ChargePeriodEnd' end,
            case when ChargePeriodStart is null then 'ChargePeriodStart' end,
            case when ConsumedQuantity is null then 'ConsumedQuantity' end,
            case when ConsumedUnit is null then 'ConsumedUnit' end,
            case when ContractedCost is null then 'ContractedCost' end,
            case when EffectiveCost is null then 'EffectiveCost' end,
            case when InvoiceIssuerName is null then 'InvoiceIssuerName' end,
            case when ListCost is null then 'ListCost' end,
            case when PricingCategory is null then 'PricingCategory' end,
            case when PricingQuantity is null then 'PricingQuantity' end,
            case when PricingUnit is null then 'PricingUnit' end,
            case when ProviderName is null then 'ProviderName' end,
            case when PublisherName is null then 'PublisherName' end,
            case when ServiceCategory is null then 'ServiceCategory' end,
            case when ServiceName is null then 'ServiceName' end,
            case when ServiceSubcategory is null then 'ServiceSubcategory' end,
            case when (SubAccountName is null) <> (SubAccountId is null) then 'SubAccountName' end,
            case when (SubAccountType is null) <> (SubAccountId is null) then 'SubAccountType' end,
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
