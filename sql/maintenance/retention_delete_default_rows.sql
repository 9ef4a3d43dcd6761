-- One batch of expired rows in a default partition (rows of months that had no partition);
-- the job repeats it until a batch comes back short, so no lock is held for long.
-- Rows are picked by their primary key's (id, created_at), not by ctid: on a Citus cluster
-- the rows live on the shards, where a coordinator-side ctid means nothing (Citus refuses it).
DELETE FROM {schema}.{table}
WHERE (id, created_at) IN (
    SELECT
        id,
        created_at
    FROM {schema}.{table}
    WHERE created_at < %(cutoff)s
    LIMIT %(batch_size)s
)
