-- One row per UTC day × Domino allocation key (workload type, project, user, organization, billing tag; or the idle row): Domino's cost allocation as FOCUS 1.2 cost and usage, in US dollars.
-- key: ChargePeriodStart, x_AllocationKey
-- partition: x_ChargeDate
-- FOCUS 1.2 applicability criteria that fit Domino (the validator takes them): SUB_ACCOUNT_SUPPORTED (projects), TAGGING_SUPPORTED (Domino labels), USAGE_MEASUREMENT_SUPPORTED (core and GPU hours).
-- Not applicable: commitment discounts, capacity reservations, regions and zones, public price lists, negotiated or unit pricing, several account types, pricing in another or a virtual currency, billing per identified resource (an allocation row groups many runs).
-- col BilledCost: cost of the row in USD: Domino's totalCost, adjustments included; Domino knows no discounts, so EffectiveCost, ListCost and ContractedCost are equal to it
-- col BillingAccountId: the Domino deployment whose cluster cost is allocated ('domino': one deployment per warehouse)
-- col BillingAccountName: display name of the billing account
-- col BillingCurrency: ISO 4217 currency of every cost column: USD
-- col BillingPeriodEnd: exclusive end of the UTC calendar month of the charge
-- col BillingPeriodStart: inclusive start of the UTC calendar month of the charge
-- col ChargeCategory: 'Usage': Domino allocates consumed cluster cost
-- col ChargeClass: NULL: no row corrects an invoiced period
-- col ChargeDescription: what was charged, in words
-- col ChargeFrequency: 'Usage-Based'
-- col ChargePeriodEnd: exclusive end of the allocation window, UTC
-- col ChargePeriodStart: inclusive start of the allocation window, UTC (Kubecost's local midnight, so not always UTC midnight)
-- col CommitmentDiscountStatus: NULL: Domino has no commitment discounts (present because the validator's ConsumedQuantity rules read it)
-- col ConsumedQuantity: CPU core-hours the workloads used in the window (0 on the idle row: nobody used it; GPU hours in x_GpuHours)
-- col ConsumedUnit: 'Core-Hours'
-- col ContractedCost: equals BilledCost (no negotiated prices)
-- col EffectiveCost: equals BilledCost (no discounts or amortized commitments)
-- col InvoiceId: NULL: allocated cost is not invoiced
-- col InvoiceIssuerName: Domino Data Lab
-- col ListCost: equals BilledCost (no public price list)
-- col PricingCategory: 'Standard': cluster prices as configured in Domino's cost model
-- col PricingQuantity: hours of the allocation window the charge covers
-- col PricingUnit: 'Hours'
-- col ProviderName: Domino Data Lab
-- col PublisherName: Domino Data Lab
-- col ServiceCategory: 'AI and Machine Learning'
-- col ServiceName: Domino service by workload type: Domino Jobs, Workspaces, Apps, Model APIs; Domino Idle Capacity
-- col ServiceSubcategory: 'Machine Learning' for jobs, workspaces and model APIs; 'AI Platforms' for apps, idle capacity and other workloads
-- col SubAccountId: Domino project id (NULL on the idle row)
-- col SubAccountName: Domino project name (NULL on the idle row)
-- col SubAccountType: 'Domino Project' where SubAccountId is set
-- col Tags: Domino's workload labels as a JSON object, keys prefixed dominodatalab.com/; absent labels left out; NULL on the idle row
-- col x_AllocationKey: Domino's allocation name: the six label values joined by '/', or __idle__
-- col x_ChargeDate: UTC day the charge is booked on: the day whose request returned it (the partition column)
-- col x_WorkloadType: Domino workload type (Batch, Workspace, App, ModelAPI); NULL on the idle row
-- col x_UserName: user who started the workloads
-- col x_OrganizationName: Domino organization of the workloads
-- col x_BillingTag: billing tag (cost centre); NULL = untagged
-- col x_IsIdle: true on the row of idle cluster capacity
-- col x_CpuCost: CPU cost in USD
-- col x_GpuCost: GPU cost in USD
-- col x_RamCost: RAM cost in USD
-- col x_StorageCost: persistent-volume cost in USD
-- col x_NetworkCost: network cost in USD
-- col x_LoadBalancerCost: load-balancer cost in USD
-- col x_SharedCost: shared cluster cost Domino assigned to the row, in USD
-- col x_CostAdjustment: Domino's CPU, GPU and RAM cost adjustments, in USD
-- col x_CpuCoreHours: CPU core-hours
-- col x_GpuHours: GPU hours
with

allocation as (
    select
        day,
        allocation_key,
        workload_type,
        project_id,
        project_name,
        user_name,
        organization_name,
        billing_tag,
        is_idle,
        window_start,
        window_end,
        cpu_cost_usd,
        gpu_cost_usd,
        ram_cost_usd,
        pv_cost_usd,
        network_cost_usd,
        load_balancer_cost_usd,
        shared_cost_usd,
        adjustment_usd,
        total_cost_usd,
        cpu_core_hours,
        gpu_hours,
    from staging.cost_allocation
    where day >= getvariable('partition_start') and day < getvariable('partition_end')
),

charges as (
    select
        *,
        date_trunc('month', day) as billing_month,
        case
            when is_idle then 'Domino Idle Capacity'
            when workload_type = 'Batch' then 'Domino Jobs'
            when workload_type = 'Workspace' then 'Domino Workspaces'
            when workload_type = 'App' then 'Domino Apps'
            when workload_type = 'ModelAPI' then 'Domino Model APIs'
            else 'Domino ' || coalesce(workload_type, 'Other Workloads')
        end as service_name,
    from allocation
)

select
    total_cost_usd as BilledCost,
    'domino' as BillingAccountId,
    'Domino Data Lab deployment' as BillingAccountName,
    'USD' as BillingCurrency,
    cast(billing_month + interval 1 month as timestamp) at time zone 'UTC' as BillingPeriodEnd,
    cast(billing_month as timestamp) at time zone 'UTC' as BillingPeriodStart,
    'Usage' as ChargeCategory,
    cast(null as varchar) as ChargeClass,
    case
        when is_idle then 'Idle cluster capacity allocated to no workload'
        else service_name || ' of project ' || coalesce(project_name, project_id, 'unknown')
            || ' started by ' || coalesce(user_name, 'unknown')
    end as ChargeDescription,
    'Usage-Based' as ChargeFrequency,
    window_end as ChargePeriodEnd,
    window_start as ChargePeriodStart,
    cast(null as varchar) as CommitmentDiscountStatus,
    cast(cpu_core_hours as decimal(18, 6)) as ConsumedQuantity,
    'Core-Hours' as ConsumedUnit,
    total_cost_usd as ContractedCost,
    total_cost_usd as EffectiveCost,
    cast(null as varchar) as InvoiceId,
    'Domino Data Lab' as InvoiceIssuerName,
    total_cost_usd as ListCost,
    'Standard' as PricingCategory,
    cast(epoch(window_end - window_start) / 3600 as decimal(18, 6)) as PricingQuantity,
    'Hours' as PricingUnit,
    'Domino Data Lab' as ProviderName,
    'Domino Data Lab' as PublisherName,
    'AI and Machine Learning' as ServiceCategory,
    service_name as ServiceName,
    case
        when not is_idle and workload_type in ('Batch', 'Workspace', 'ModelAPI') then 'Machine Learning'
        else 'AI Platforms'
    end as ServiceSubcategory,
    project_id as SubAccountId,
    case when project_id is not null then coalesce(project_name, project_id) end as SubAccountName,
    case when project_id is not null then 'Domino Project' end as SubAccountType,
    case
        when not is_idle then json_merge_patch('{}', json_object(
            'dominodatalab.com/workload-type', workload_type,
            'dominodatalab.com/project-id', project_id,
            'dominodatalab.com/project-name', project_name,
            'dominodatalab.com/starting-user-username', user_name,
            'dominodatalab.com/organization-name', organization_name,
            'dominodatalab.com/billing-tag', billing_tag
        ))
    end as Tags,
    allocation_key as x_AllocationKey,
    day as x_ChargeDate,
    workload_type as x_WorkloadType,
    user_name as x_UserName,
    organization_name as x_OrganizationName,
    billing_tag as x_BillingTag,
    is_idle as x_IsIdle,
    cpu_cost_usd as x_CpuCost,
    gpu_cost_usd as x_GpuCost,
    ram_cost_usd as x_RamCost,
    pv_cost_usd as x_StorageCost,
    network_cost_usd as x_NetworkCost,
    load_balancer_cost_usd as x_LoadBalancerCost,
    shared_cost_usd as x_SharedCost,
    adjustment_usd as x_CostAdjustment,
    cast(cpu_core_hours as decimal(18, 6)) as x_CpuCoreHours,
    cast(gpu_hours as decimal(18, 6)) as x_GpuHours,
from charges
