-- Mark a job's 'running' job_runs rows failed while the caller holds that job's advisory
-- lock: no process can be running the job, so these runs died without recording their end.
UPDATE job_runs
SET
    status = 'failed',
    finished_at = clock_timestamp(),
    error = %(error)s
WHERE job_name = %(job_name)s
  AND status = 'running'
  AND id <> %(current_run_id)s
RETURNING id
