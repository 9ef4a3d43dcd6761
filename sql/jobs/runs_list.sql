-- Recent job runs, newest first, optionally of one job.
SELECT
    id,
    job_name,
    started_at,
    finished_at,
    status,
    EXTRACT(EPOCH FROM finished_at - started_at)::DOUBLE PRECISION AS duration_seconds,
    details,
    error
FROM job_runs
WHERE (%(job_name)s::TEXT IS NULL OR job_name = %(job_name)s)
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s
