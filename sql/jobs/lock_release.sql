-- Release the job's session-level advisory lock at the end of its run.
SELECT pg_advisory_unlock(hashtext('pfr:job:' || %(job_name)s)) AS released
