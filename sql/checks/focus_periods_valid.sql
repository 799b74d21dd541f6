-- Charge periods are whole UTC days with start before end, inside their billing period, which is one whole UTC calendar month; x_ChargeDate is the charge's UTC day.
-- model: focus.cost_and_usage
-- plant: update focus.cost_and_usage set ChargePeriodEnd = ChargePeriodStart where x_IsIdle and x_ChargeDate = (select min(x_ChargeDate) from focus.cost_and_usage); update focus.cost_and_usage set ChargePeriodStart = ChargePeriodStart + interval 1 hour where x_IsIdle and x_ChargeDate = (select max(x_ChargeDate) from focus.cost_and_usage)
with

periods as (
    select
        ChargePeriodStart,
        x_AllocationKey,
        x_ChargeDate,
        ChargePeriodStart at time zone 'UTC' as charge_start,
        ChargePeriodEnd at time zone 'UTC' as charge_end,
        BillingPeriodStart at time zone 'UTC' as billing_start,
        BillingPeriodEnd at time zone 'UTC' as billing_end,
    from focus.cost_and_usage
    where x_ChargeDate >= getvariable('partition_start') and x_ChargeDate < getvariable('partition_end')
),

judged as (
    select
        ChargePeriodStart,
        x_AllocationKey,
        case
            when charge_start >= charge_end then 'ChargePeriodStart is not before ChargePeriodEnd'
            when charge_start <> date_trunc('day', charge_start) or charge_end <> date_trunc('day', charge_end)
                then 'charge period does not start and end at UTC midnight'
            when billing_start <> date_trunc('month', billing_start) or billing_end <> billing_start + interval 1 month
                then 'billing period is not one whole UTC month'
            when charge_start < billing_start or charge_end > billing_end
                then 'charge period lies outside its billing period'
            when cast(charge_start as date) <> x_ChargeDate then 'x_ChargeDate is not the UTC day of ChargePeriodStart'
        end as problem,
    from periods
)

select
    ChargePeriodStart,
    x_AllocationKey,
    problem,
from judged
where problem is not null
