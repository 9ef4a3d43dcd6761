-- Record a run that did not happen because another session held the job's lock.
INSERT INTO job_runs (
    job_name,
    started_at,
    finished_at,
    status,
    details
)
VALUES (
    %(job_name)s,
    clock_timestamp(),
    clock_timestamp(),
    'skipped',
    %(details)s
)
RETURNING id, started_at
