-- Span writer: idempotency. A span already stored (workflow_spans' primary key), or
-- twice in this batch, is dropped from the stage: exporting a span again is a no-op.
DELETE FROM pg_temp.pfr_span_stage AS s
WHERE EXISTS (
        SELECT 1
        FROM workflow_spans AS w
        WHERE w.trace_id = s.trace_id
            AND w.span_id = s.span_id
    )
    OR EXISTS (
        SELECT 1
        FROM pg_temp.pfr_span_stage AS d
        WHERE d.trace_id = s.trace_id
            AND d.span_id = s.span_id
            AND d.ctid < s.ctid
    )
