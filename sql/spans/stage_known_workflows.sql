-- Span writer: spans of a trace seen in an earlier batch join that trace's workflow.
UPDATE pg_temp.pfr_span_stage AS s
SET workflow_id = t.workflow_id
FROM workflow_traces AS t
WHERE t.trace_id = s.trace_id
