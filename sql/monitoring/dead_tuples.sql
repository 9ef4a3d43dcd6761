-- Dead tuples per table and when it was last vacuumed and analyzed, by hand or by
-- autovacuum; a high dead ratio with an old last_autovacuum means autovacuum lags behind.
SELECT
    relname AS table_name,
    n_live_tup AS live_tuples,
    n_dead_tup AS dead_tuples,
    round((n_dead_tup::NUMERIC / GREATEST(n_live_tup + n_dead_tup, 1)), 4) AS dead_ratio,
    last_vacuum,
    last_autovacuum,
    last_analyze,
    last_autoanalyze
FROM pg_stat_user_tables
WHERE schemaname = current_schema()
ORDER BY n_dead_tup DESC, relname
LIMIT %(limit)s
