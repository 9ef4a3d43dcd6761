-- Record a run that failed before it could start (its session settings were refused, its
-- lock could not be asked for): written on a fresh connection, so `pfr job list` and
-- job_runs show the failure instead of nothing.
INSERT INTO job_runs (
    job_name,
    started_at,
    finished_at,
    status,
    details,
    error
)
VALUES (
    %(job_name)s,
    clock_timestamp(),
    clock_timestamp(),
    'failed',
    %(details)s,
    %(error)s
)
RETURNING id, started_at
