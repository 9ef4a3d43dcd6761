-- One batch of finished job_runs rows past their retention (a run still 'running', the
-- current one included, is never deleted). Repeated until a batch comes back short.
DELETE FROM job_runs
WHERE id IN (
    SELECT id
    FROM job_runs
    WHERE started_at < %(cutoff)s
      AND status <> 'running'
    ORDER BY id
    LIMIT %(batch_size)s
)
