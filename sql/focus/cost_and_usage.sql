-- One row per UTC day × Domino cost-allocation key (workload type, project, user, organization, billing tag; plus the idle row): Domino's cost allocation as FOCUS 1.2 cost and usage, in US dollars.
-- key: ChargePeriodStart, x_AllocationKey
-- partition: x_ChargeDate
-- FOCUS 1.2 applicability criteria that fit Domino (pass them to the validator): SUB_ACCOUNT_SUPPORTED (projects), TAGGING_SUPPORTED (Domino labels), USAGE_MEASUREMENT_SUPPORTED (core and GPU hours).
-- Not applicable: commitment discounts, capacity reservations, regions and zones, public price lists, negotiated or unit pricing, several account types, pricing in another or a virtual currency, billing per identified resource (an allocation row groups many runs).
-- col BilledCost: cost of the allocation row in USD (Domino's totalCost, adjustments included); Domino knows no discounts, so it equals EffectiveCost, ListCost and ContractedCost
-- col BillingAccountId: the Domino deployment whose cluster cost is allocated (one deployment per warehouse: 'domino')
-- col BillingAccountName: display name of the billing account
-- col BillingCurrency: ISO 4217 currency of every cost column: USD
-- col BillingPeriodEnd: exclusive end of the UTC calendar month holding the charge
-- col BillingPeriodStart: inclusive start of the UTC calendar month holding the charge
-- col ChargeCategory: always 'Usage': Domino allocates consumed cluster cost
-- col ChargeClass: NULL: no row corrects an invoiced period
-- col ChargeDescription: what was charged, in words
-- col ChargeFrequency: always 'Usage-Based'
-- col ChargePeriodEnd: exclusive end of the allocation window, UTC
-- col ChargePeriodStart: inclusive start of the allocation window, UTC
-- col ConsumedQuantity: CPU core-hours the workloads used in the window (0 for idle capacity; GPU hours in x_GpuHours)
-- col ConsumedUnit: 'Core-Hours'
-- col CommitmentDiscountStatus: NULL: Domino has no commitment discounts (present because the validator's ConsumedQuantity rules read it)
-- col ContractedCost: equals BilledCost (no negotiated prices are known)
-- col EffectiveCost: equals BilledCost (no discounts or amortized commitments)
-- col InvoiceId: NULL: allocated cost is not invoiced
-- col InvoiceIssuerName: who issues the charge: Domino Data Lab
-- col ListCost: equals BilledCost (no public price list)
-- col PricingCategory: 'Standard': cluster prices as configured in Domino's cost model
-- col PricingQuantity: hours of the allocation window the charge covers
-- col PricingUnit: 'Hours'
-- col ProviderName: Domino Data Lab
-- col PublisherName: Domino Data Lab
-- col ServiceCategory: always 'AI and Machine Learning'
-- col ServiceName: the Domino service by workload type (Domino Jobs, Workspaces, Apps, Model APIs; Domino Idle Capacity)
-- col ServiceSubcategory: 'Machine Learning' for jobs, workspaces and model APIs; 'AI Platforms' for apps, idle capacity and other workloads
-- col SubAccountId: the Domino project id (NULL on the idle row)
-- col SubAccountName: the Domino project name (NULL on the idle row)
-- col SubAccountType: 'Domino Project' when SubAccountId is set
-- col Tags: Domino's labels as a JSON object (keys prefixed dominodatalab.com/); absent labels are left out, NULL on the idle row
-- col x_AllocationKey: Domino's allocation name (the six label values joined by '/', or __idle__)
-- col x_ChargeDate: UTC day of the charge (the partition column)
-- col x_WorkloadType: Domino workload type (Batch, Workspace, App, ModelAPI, ...); NULL on the idle row
-- col x_UserName: user who started the workloads
-- col x_OrganizationName: Domino organization of the project
-- col x_BillingTag: billing tag (cost centre) of the project; NULL = untagged
-- col x_IsIdle: true on the row of unallocated (idle) cluster capacity
-- col x_CpuCost: CPU cost in USD, adjustment included
-- col x_GpuCost: GPU cost in USD, adjustment included
-- col x_RamCost: RAM cost in USD, adjustment included
-- col x_StorageCost: persistent-volume cost in USD
-- col x_NetworkCost: network cost in USD
-- col x_LoadBalancerCost: load-balancer cost in USD
-- col x_SharedCost: shared cluster cost assigned to the row, in USD
-- col x_CpuCoreHours: CPU core-hours
-- col x_GpuHours: GPU hours
with allocation as (
    select
        name,
        workload_type,
        project_id,
        project_name,
        user_name,
        organization_name,
        billing_tag,
        is_idle,
        window_start,
        window_end,
        cpu_cost,
        gpu_cost,
        ram_cost,
        pv_cost,
        network_cost,
        load_balancer_cost,
        shared_cost,
        total_cost,
        cpu_cost_adjustment,
        gpu_cost_adjustment,
        ram_cost_adjustment,
        cpu_core_hours,
        gpu_hours,
        cast(window_start at time zone 'UTC' as date) as charge_date,
    from raw.cost_allocation
),

in_partition as (
    select *
    from allocation
    where
        charge_date >= getvariable('partition_start')
        and charge_date < getvariable('partition_end')
),

described as (
    select
        *,
        case workload_type
            when 'Batch' then 'Domino Jobs'
            when 'Workspace' then 'Domino Workspaces'
            when 'App' then 'Domino Apps'
            when 'ModelAPI' then 'Domino Model APIs'
            else 'Domino ' || coalesce(workload_type, 'Other Workloads')
        end as service_name,
        date_trunc('month', window_start at time zone 'UTC') as billing_month,
        cast(total_cost as decimal(18, 6)) as cost_usd,
    from in_partition
)

select
    cost_usd as BilledCost,
    'domino' as BillingAccountId,
    'Domino Data Lab deployment' as BillingAccountName,
    'USD' as BillingCurrency,
    (billing_month + interval 1 month) at time zone 'UTC' as BillingPeriodEnd,
    billing_month at time zone 'UTC' as BillingPeriodStart,
    'Usage' as ChargeCategory,
    cast(null as varchar) as ChargeClass,
    case
        when is_idle then 'Idle cluster capacity allocated to no workload'
        else service_name || ' of project ' || project_name || ' started by ' || user_name
    end as ChargeDescription,
    'Usage-Based' as ChargeFrequency,
    window_end as ChargePeriodEnd,
    window_start as ChargePeriodStart,
    cast(cpu_core_hours as decimal(18, 6)) as ConsumedQuantity,
    'Core-Hours' as ConsumedUnit,
    cast(null as varchar) as CommitmentDiscountStatus,
    cost_usd as ContractedCost,
    cost_usd as EffectiveCost,
    cast(null as varchar) as InvoiceId,
    'Domino Data Lab' as InvoiceIssuerName,
    cost_usd as ListCost,
    'Standard' as PricingCategory,
    cast(epoch(window_end - window_start) / 3600 as decimal(18, 6)) as PricingQuantity,
    'Hours' as PricingUnit,
    'Domino Data Lab' as ProviderName,
    'Domino Data Lab' as PublisherName,
    'AI and Machine Learning' as ServiceCategory,
    case when is_idle then 'Domino Idle Capacity' else service_name end as ServiceName,
    case
        when not is_idle and workload_type in ('Batch', 'Workspace', 'ModelAPI') then 'Machine Learning'
        else 'AI Platforms'
    end as ServiceSubcategory,
    project_id as SubAccountId,
    project_name as SubAccountName,
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
    name as x_AllocationKey,
    charge_date as x_ChargeDate,
    workload_type as x_WorkloadType,
    user_name as x_UserName,
    organization_name as x_OrganizationName,
    billing_tag as x_BillingTag,
    is_idle as x_IsIdle,
    cast(cpu_cost + cpu_cost_adjustment as decimal(18, 6)) as x_CpuCost,
    cast(gpu_cost + gpu_cost_adjustment as decimal(18, 6)) as x_GpuCost,
    cast(ram_cost + ram_cost_adjustment as decimal(18, 6)) as x_RamCost,
    cast(pv_cost as decimal(18, 6)) as x_StorageCost,
    cast(network_cost as decimal(18, 6)) as x_NetworkCost,
    cast(load_balancer_cost as decimal(18, 6)) as x_LoadBalancerCost,
    cast(shared_cost as decimal(18, 6)) as x_SharedCost,
    cast(cpu_core_hours as decimal(18, 6)) as x_CpuCoreHours,
    cast(gpu_hours as decimal(18, 6)) as x_GpuHours,
from described
