-- One batch of expired rows in a default partition (rows of months that had no partition);
-- the job repeats it until a batch comes back short, so no lock is held for long.
DELETE FROM {schema}.{table}
WHERE ctid = ANY (
    ARRAY(
        SELECT ctid
        FROM {schema}.{table}
        WHERE created_at < %(cutoff)s
        LIMIT %(batch_size)s
    )
)
