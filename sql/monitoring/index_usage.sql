-- Every index of the current schema with its size and how often it was scanned since the
-- statistics were reset; unused = never scanned and not backing a primary key or unique
-- constraint (a candidate to drop, if the statistics cover a representative period).
SELECT
    s.relname AS table_name,
    s.indexrelname AS index_name,
    pg_relation_size(s.indexrelid) AS index_bytes,
    pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size,
    s.idx_scan AS scans,
    s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AS unused
FROM pg_stat_user_indexes AS s
JOIN pg_index AS i
    ON i.indexrelid = s.indexrelid
WHERE s.schemaname = current_schema()
ORDER BY unused DESC, pg_relation_size(s.indexrelid) DESC, s.indexrelname
LIMIT %(limit)s
