-- Span writer: the idempotency keys of the batch and the rows the spans became.
INSERT INTO workflow_spans (
    trace_id,
    span_id,
    parent_span_id,
    node_span_id,
    workflow_id,
    kind,
    node_id,
    generation_id,
    generation_created_at
)
SELECT
    trace_id,
    span_id,
    parent_span_id,
    node_span_id,
    workflow_id,
    kind,
    node_id,
    generation_id,
    CASE WHEN generation_id IS NOT NULL THEN started_at END
FROM pg_temp.pfr_span_stage
