-- The project's tables to VACUUM (ANALYZE), most dead tuples first: every plain table and
-- partition of the current schema except yoyo's bookkeeping, with its dead-tuple ratio.
SELECT
    n.nspname AS schema_name,
    c.relname AS table_name,
    COALESCE(s.n_live_tup, 0) AS live_tuples,
    COALESCE(s.n_dead_tup, 0) AS dead_tuples,
    COALESCE(s.n_dead_tup, 0)::DOUBLE PRECISION
        / GREATEST(COALESCE(s.n_live_tup, 0) + COALESCE(s.n_dead_tup, 0), 1) AS dead_ratio
FROM pg_class AS c
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables AS s
    ON s.relid = c.oid
WHERE n.nspname = current_schema()
  AND c.relkind = 'r'
  AND left(c.relname, 6) <> '_yoyo_'
  AND c.relname <> 'yoyo_lock'
ORDER BY dead_ratio DESC, dead_tuples DESC, c.relname
