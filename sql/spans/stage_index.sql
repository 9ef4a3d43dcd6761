-- Span writer: look spans of the batch up by (trace, span) when resolving parents.
CREATE INDEX IF NOT EXISTS pfr_span_stage_trace_span
    ON pg_temp.pfr_span_stage (trace_id, span_id)
