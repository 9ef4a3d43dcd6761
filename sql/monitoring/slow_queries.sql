-- The statements with the highest mean execution time (pg_stat_statements, PostgreSQL 13+
-- column names); each of this package's statements starts with /* area/name */.
SELECT
    left(query, 200) AS query,
    calls,
    round(mean_exec_time::NUMERIC, 2) AS mean_ms,
    round(total_exec_time::NUMERIC, 2) AS total_ms,
    rows
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY mean_exec_time DESC
LIMIT %(limit)s
