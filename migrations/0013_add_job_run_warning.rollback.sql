-- Undo 0013: warning runs become failed (they needed attention), then the old CHECK.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

UPDATE job_runs
SET status = 'failed'
WHERE status = 'warning';

ALTER TABLE job_runs
    DROP CONSTRAINT check_job_runs_status,
    ADD CONSTRAINT check_job_runs_status
        CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')) NOT VALID;

ALTER TABLE job_runs
    VALIDATE CONSTRAINT check_job_runs_status;
