-- The latest run of each job (for `pfr job list`): when, how it ended, how long it took.
SELECT DISTINCT ON (job_name)
    job_name,
    started_at,
    finished_at,
    status,
    EXTRACT(EPOCH FROM finished_at - started_at)::DOUBLE PRECISION AS duration_seconds,
    error
FROM job_runs
ORDER BY job_name, started_at DESC, id DESC
