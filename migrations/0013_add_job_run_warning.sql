-- A maintenance run that did its work but left something an operator must look at (rows
-- still in a default partition, a partition it should have dropped but could not lock) is
-- no longer recorded as `succeeded`: it is `warning`, and `pfr job run` exits 4.
--
-- Locks on a busy database: job_runs is written only by the jobs (a few rows a minute).
-- The new CHECK is added NOT VALID (ACCESS EXCLUSIVE on job_runs for a catalog change, no
-- scan) and validated in the same transaction (SHARE UPDATE EXCLUSIVE, one scan of a small
-- table). lock_timeout bounds the wait for a job that holds the table.
-- depends: 0012_attach_partitions_online

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

-- The CHECK is replaced by a wider one (one more status), not removed.
ALTER TABLE job_runs
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT check_job_runs_status,
    ADD CONSTRAINT check_job_runs_status
        CHECK (status IN ('running', 'succeeded', 'warning', 'failed', 'skipped')) NOT VALID;

-- job_runs holds a few thousand rows: validating in the same transaction takes
-- milliseconds, and a second migration for it would buy nothing.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE job_runs
    VALIDATE CONSTRAINT check_job_runs_status;

COMMENT ON COLUMN job_runs.status IS
    'running, then succeeded, warning (done, but something needs attention: see details.warnings), '
    'failed or skipped (another run held the job''s lock, or the server is a replica).';
