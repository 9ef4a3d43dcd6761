-- node_context: the next node of a run, status running, started now, under the
-- node_context it was opened in (parent_node_id, NULL at the top). Run after
-- workflow_lock in the same transaction: the lock serialises callers, and each statement
-- of a READ COMMITTED transaction sees the nodes committed before it, so MAX + 1 is free
-- (uq_nodes_workflow_id_execution_order would refuse a duplicate anyway).
INSERT INTO nodes (
    workflow_id,
    node_name,
    node_type,
    execution_order,
    status,
    input_data,
    started_at,
    parent_node_id
)
SELECT
    %(workflow_id)s,
    %(node_name)s,
    %(node_type)s,
    COALESCE(MAX(n.execution_order), 0) + 1,
    'running',
    %(input_data)s,
    clock_timestamp(),
    %(parent_node_id)s
FROM nodes AS n
WHERE n.workflow_id = %(workflow_id)s
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
