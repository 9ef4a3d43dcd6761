-- Span writer: the node spans, numbered after the workflow's last node in the order they
-- started (the trace lock of stage_lock_traces keeps MAX + n free of other span writers).
INSERT INTO nodes (
    id,
    workflow_id,
    node_name,
    node_type,
    execution_order,
    status,
    input_data,
    output_data,
    error_message,
    started_at,
    completed_at,
    duration_ms,
    created_at
)
SELECT
    s.node_id,
    s.workflow_id,
    s.name,
    s.node_type,
    COALESCE(m.last_order, 0)
        + ROW_NUMBER() OVER (PARTITION BY s.workflow_id ORDER BY s.started_at, s.span_id),
    s.status,
    s.input_data,
    s.output_data,
    s.error_message,
    s.started_at,
    s.ended_at,
    s.duration_ms,
    s.started_at
FROM pg_temp.pfr_span_stage AS s
LEFT JOIN LATERAL (
    SELECT MAX(n.execution_order) AS last_order
    FROM nodes AS n
    WHERE n.workflow_id = s.workflow_id
) AS m
    ON true
WHERE s.kind = 'node'
