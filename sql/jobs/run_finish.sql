-- Record how a job run ended: succeeded or failed, what it did (details) and its error.
UPDATE job_runs
SET
    finished_at = clock_timestamp(),
    status = %(status)s,
    details = %(details)s,
    error = %(error)s
WHERE id = %(id)s
RETURNING id, started_at, finished_at
