-- The raw view, as a dashboard reads it.
SELECT
    node_name,
    calls,
    completed,
    failures,
    failure_rate,
    avg_duration_ms,
    p50_duration_ms,
    p95_duration_ms,
    max_duration_ms,
    last_run_at
FROM v_node_performance
ORDER BY node_name
