-- Monthly partitions of one table whose WHOLE range ends at or before the retention cutoff,
-- oldest first. Never the current or a future month's partition, never the default one
-- (its bound has no upper value).
SELECT
    n.nspname AS schema_name,
    child.relname AS partition_name,
    bounds.upper_bound
FROM pg_inherits AS i
JOIN pg_class AS parent
    ON parent.oid = i.inhparent
JOIN pg_namespace AS n
    ON n.oid = parent.relnamespace
JOIN pg_class AS child
    ON child.oid = i.inhrelid
CROSS JOIN LATERAL (
    SELECT (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'TO \(''([^'']+)''\)'))[1]::TIMESTAMPTZ AS upper_bound
) AS bounds
WHERE n.nspname = current_schema()
  AND parent.relname = %(table_name)s
  AND bounds.upper_bound <= %(cutoff)s::TIMESTAMPTZ
  AND bounds.upper_bound <= date_trunc('month', %(now)s::TIMESTAMPTZ AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
ORDER BY bounds.upper_bound
