-- The partitioned parents of the current schema: autovacuum never ANALYZEs them, so the
-- vacuum job does, for the planner's estimates on queries over the whole table.
SELECT
    n.nspname AS schema_name,
    c.relname AS table_name
FROM pg_class AS c
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
WHERE n.nspname = current_schema()
  AND c.relkind = 'p'
  AND NOT c.relispartition
ORDER BY c.relname
