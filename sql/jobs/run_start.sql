-- Record that a job run started; committed on its own so a run that fails or dies still
-- leaves its row.
INSERT INTO job_runs (
    job_name,
    started_at,
    status
)
VALUES (
    %(job_name)s,
    clock_timestamp(),
    'running'
)
RETURNING id, started_at
