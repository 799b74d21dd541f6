-- Each charge period is one allocation day (24 h, or 23/25 h across a DST change in Kubecost's zone) with start before end, overlapping the UTC day it is booked on (x_ChargeDate); the billing period is that day's whole UTC calendar month.
-- model: focus.cost_and_usage
-- plant: update focus.cost_and_usage set ChargePeriodEnd = ChargePeriodStart where x_IsIdle and x_ChargeDate = (select min(x_ChargeDate) from focus.cost_and_usage); update focus.cost_and_usage set ChargePeriodStart = ChargePeriodStart + interval 30 minute where x_IsIdle and x_ChargeDate = (select max(x_ChargeDate) from focus.cost_and_usage)
-- Kubecost in a non-UTC zone starts its daily windows at its local midnight, so periods need not start at UTC midnight.
with

periods as (
    select
        ChargePeriodStart,
        x_AllocationKey,
        cast(x_ChargeDate as timestamp) as booked_day,
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
            when epoch(charge_end - charge_start) not in (82800, 86400, 90000)
                then 'charge period is not one day (24 h, or 23/25 h across a DST change)'
            when charge_start >= booked_day + interval 1 day or charge_end <= booked_day
                then 'charge period does not overlap its UTC day x_ChargeDate'
            when billing_start <> date_trunc('month', booked_day) or billing_end <> billing_start + interval 1 month
                then 'billing period is not the UTC month of x_ChargeDate'
        end as problem,
    from periods
)

select
    ChargePeriodStart,
    x_AllocationKey,
    problem,
from judged
where problem is not null
