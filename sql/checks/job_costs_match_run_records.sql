-- A job priced from its run record costs exactly what the record says, and no job costs less than nothing.
-- model: reporting.job_costs
-- plant: update reporting.job_costs set cost_usd = cost_usd + 1 where job_id = (select min(job_id) from reporting.job_costs where cost_source = 'run_record')
select
    job_costs.job_id,
    job_costs.cost_usd,
    runs.total_cost_usd as run_record_usd,
from reporting.job_costs as job_costs
left join staging.runs as runs on runs.run_id = job_costs.job_id
where job_costs.cost_usd < 0
    or (job_costs.cost_source = 'run_record' and job_costs.cost_usd is distinct from runs.total_cost_usd)
