-- get_workflow_details: a run's nodes in execution order (uq_nodes_workflow_id_execution_order).
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
WHERE workflow_id = %(workflow_id)s
ORDER BY execution_order
