-- Take the job's session-level advisory lock without waiting, so two daemons never run the
-- same job at once; false means another session holds it and this run is skipped.
SELECT pg_try_advisory_lock(hashtext('pfr:job:' || %(job_name)s)) AS locked
