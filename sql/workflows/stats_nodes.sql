-- pfr workflow-stats nodes: per-node performance, busiest first. The rows of view
-- v_node_performance, read from v_node_performance_exact (migration 0010: the exact
-- duration distribution per node, a few thousand rows) instead of every node execution.
SELECT
    vnp.node_name,
    vnp.calls,
    vnp.completed,
    vnp.failures,
    vnp.failure_rate,
    vnp.avg_duration_ms,
    ROUND(vnp.p50_duration_ms::NUMERIC, 1) AS p50_duration_ms,
    ROUND(vnp.p95_duration_ms::NUMERIC, 1) AS p95_duration_ms,
    vnp.max_duration_ms,
    vnp.last_run_at
FROM v_node_performance_exact AS vnp
ORDER BY
    vnp.calls DESC,
    vnp.node_name
