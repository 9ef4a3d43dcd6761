-- Undo 0006: drop the job run log (its index and constraints go with it).

DROP TABLE job_runs;
