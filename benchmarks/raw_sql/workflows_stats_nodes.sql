-- pfr workflow-stats nodes: per-node performance from v_node_performance, busiest first.
SELECT
    node_name,
    calls,
    completed,
    failures,
    failure_rate,
    avg_duration_ms,
    ROUND(p50_duration_ms::NUMERIC, 1) AS p50_duration_ms,
    ROUND(p95_duration_ms::NUMERIC, 1) AS p95_duration_ms,
    max_duration_ms,
    last_run_at
FROM v_node_performance
ORDER BY calls DESC, node_name
