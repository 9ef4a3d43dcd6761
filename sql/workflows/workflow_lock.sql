-- Lock a workflow row before adding a node to it, so concurrent node inserts of one run
-- take execution_order numbers one after the other (see node_create).
SELECT
    id,
    status
FROM workflows
WHERE id = %(workflow_id)s
FOR UPDATE
