-- Span writer: generations stored before their node span arrived (children are often
-- exported before their parent) are attached to the node that arrived in this batch.
UPDATE generations AS g
SET node_id = s.node_id
FROM workflow_spans AS l
JOIN pg_temp.pfr_span_stage AS s
    ON s.trace_id = l.trace_id
    AND s.span_id = l.node_span_id
    AND s.kind = 'node'
WHERE l.kind = 'generation'
    AND g.id = l.generation_id
    AND g.created_at = l.generation_created_at
    AND g.node_id IS NULL
