-- log_node_complete and the normal end of node_context: mark a running node completed
-- with its duration, storing the state and output when given. Completing an already
-- completed node only stores the new state/output and keeps the first completion time,
-- so log_node_complete inside node_context followed by the context's exit is one completion.
-- The clock is read once in a CTE, not inside COALESCE: a Citus coordinator refuses a
-- non-immutable function in COALESCE (or a volatile one anywhere) in an UPDATE of a
-- distributed table. statement_timestamp(), not clock_timestamp(), for the same reason.
WITH clock AS (
    SELECT statement_timestamp() AS now
)
UPDATE nodes
SET
    status = 'completed',
    state_data = COALESCE(%(state_data)s, state_data),
    output_data = COALESCE(%(output_data)s, output_data),
    completed_at = COALESCE(nodes.completed_at, clock.now),
    duration_ms = COALESCE(
        nodes.duration_ms,
        -- Saturates at INTEGER's top (24.8 days) rather than failing: see issue 13.
        LEAST(
            GREATEST(0, ROUND(EXTRACT(EPOCH FROM (clock.now - nodes.started_at)) * 1000)),
            2147483647
        )::INTEGER
    )
FROM clock
WHERE nodes.id = %(node_id)s
    AND nodes.status IN ('running', 'completed')
RETURNING
    id,
    workflow_id,
    node_name,
    node_type,
    execution_order,
    status,
    state_data,
    input_data,
    output_data,
    error_message,
    error_traceback,
    started_at,
    completed_at,
    duration_ms,
    created_at,
    parent_node_id
