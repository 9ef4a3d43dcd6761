-- node_context on an exception: the node failed, with the error, its traceback and the
-- time it ran until the failure (even if log_node_complete had been called before it).
-- statement_timestamp(), not clock_timestamp(): a Citus coordinator evaluates it once for
-- the statement, where it refuses a volatile function in an UPDATE of a distributed table.
UPDATE nodes
SET
    status = 'failed',
    error_message = %(error_message)s,
    error_traceback = %(error_traceback)s,
    completed_at = statement_timestamp(),
    -- Saturates at INTEGER's top (24.8 days) rather than failing: see issue 13.
    duration_ms = LEAST(
        GREATEST(0, ROUND(EXTRACT(EPOCH FROM (statement_timestamp() - started_at)) * 1000)),
        2147483647
    )::INTEGER
WHERE id = %(node_id)s
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
