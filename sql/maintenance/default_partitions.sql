-- The default partition of each partitioned table of the current schema (retention deletes
-- expired rows from it in batches).
SELECT
    n.nspname AS schema_name,
    c.relname AS table_name,
    d.relname AS default_partition
FROM pg_partitioned_table AS pt
JOIN pg_class AS c
    ON c.oid = pt.partrelid
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
JOIN pg_class AS d
    ON d.oid = pt.partdefid
WHERE n.nspname = current_schema()
  AND NOT c.relispartition
ORDER BY c.relname
