-- Span writer: generations stored before their node span arrived (children are often
-- exported before their parent) are attached to the node that arrived in this batch.
-- Driven from the batch's node spans (MATERIALIZED): the generations whose node_id is
-- NULL also include every generation made outside any node, which only grows.
WITH orphans AS MATERIALIZED (
    SELECT
        l.generation_id,
        l.generation_created_at,
        s.node_id
    FROM pg_temp.pfr_span_stage AS s
    JOIN workflow_spans AS l
        ON l.trace_id = s.trace_id
        AND l.node_span_id = s.span_id
        AND l.kind = 'generation'
    WHERE s.kind = 'node'
)
UPDATE generations AS g
SET node_id = o.node_id
FROM orphans AS o
WHERE g.id = o.generation_id
    AND g.created_at = o.generation_created_at
    AND g.node_id IS NULL
