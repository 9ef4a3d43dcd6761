-- Jobs with job_runs rows still 'running' other than the current run: candidates for
-- "abandoned" (their process died mid-run); a candidate is only reaped once its job's
-- advisory lock is free, which proves no process is running it.
SELECT DISTINCT job_name
FROM job_runs
WHERE status = 'running'
  AND id <> %(current_run_id)s
ORDER BY job_name
