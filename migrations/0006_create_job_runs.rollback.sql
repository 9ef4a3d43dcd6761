-- Undo 0006: drop the job run log (its index and constraints go with it).

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP TABLE job_runs;
