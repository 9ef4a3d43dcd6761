-- One node by id (to tell an unknown node from one in the wrong state).
SELECT
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
FROM nodes
WHERE id = %(node_id)s
