-- Span writer: remember which workflow each new trace went into.
INSERT INTO workflow_traces (
    trace_id,
    workflow_id,
    source
)
SELECT DISTINCT
    trace_id,
    workflow_id,
    source
FROM pg_temp.pfr_span_stage
WHERE new_workflow
