-- Size of each table of the current schema (partitions included, largest first): total with
-- indexes and TOAST, table only, indexes, and the estimated row count.
SELECT
    c.relname AS table_name,
    c.relkind = 'p' OR c.relispartition AS partitioned,
    pg_total_relation_size(c.oid) AS total_bytes,
    pg_relation_size(c.oid) AS table_bytes,
    pg_indexes_size(c.oid) AS index_bytes,
    pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size,
    GREATEST(c.reltuples, 0)::BIGINT AS estimated_rows
FROM pg_class AS c
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
WHERE n.nspname = current_schema()
  AND c.relkind = 'r'
ORDER BY pg_total_relation_size(c.oid) DESC, c.relname
LIMIT %(limit)s
