-- Sessions waiting for a lock right now, who blocks them and for how long they have waited.
SELECT
    a.pid,
    pg_blocking_pids(a.pid) AS blocked_by,
    a.wait_event_type,
    a.wait_event,
    now() - a.query_start AS waiting_for,
    a.application_name,
    left(a.query, 200) AS query
FROM pg_stat_activity AS a
WHERE a.wait_event_type = 'Lock'
  AND a.datname = current_database()
ORDER BY a.query_start
LIMIT %(limit)s
