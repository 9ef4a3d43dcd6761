-- One batch of job_runs rows past their retention. Repeated until a batch comes back short.
DELETE FROM job_runs
WHERE id IN (
    SELECT id
    FROM job_runs
    WHERE started_at < %(cutoff)s
    ORDER BY id
    LIMIT %(batch_size)s
)
