-- Span writer: generation ids (generations' bigserial) and the node each generation
-- belongs to: its node span in this batch or, stored earlier, in workflow_spans. A node
-- that has not arrived yet is attached later by generations_attach_nodes.
UPDATE pg_temp.pfr_span_stage AS g
SET
    generation_id = nextval(pg_get_serial_sequence('generations', 'id')),
    parent_node_id = COALESCE(
        (
            SELECT p.node_id
            FROM pg_temp.pfr_span_stage AS p
            WHERE p.trace_id = g.trace_id
                AND p.span_id = g.node_span_id
                AND p.kind = 'node'
        ),
        (
            SELECT l.node_id
            FROM workflow_spans AS l
            WHERE l.trace_id = g.trace_id
                AND l.span_id = g.node_span_id
        )
    )
WHERE g.kind = 'generation'
