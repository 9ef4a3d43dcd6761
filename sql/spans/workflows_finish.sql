-- Span writer: a root span describes its workflow: its times, its outcome (completed, or
-- failed with the span's error), the user's input and the state when it carries them.
WITH roots AS (
    UPDATE workflow_traces AS t
    SET root_span_id = r.span_id
    FROM pg_temp.pfr_span_stage AS r
    WHERE r.is_root
        AND t.trace_id = r.trace_id
    RETURNING t.trace_id
)
UPDATE workflows AS w
SET
    status = r.status,
    created_at = LEAST(w.created_at, r.started_at),
    completed_at = r.ended_at,
    error_message = r.error_message,
    user_input = COALESCE(r.user_input, w.user_input),
    state = COALESCE(r.state, w.state),
    final_itinerary = COALESCE(r.final_itinerary, w.final_itinerary)
FROM pg_temp.pfr_span_stage AS r
WHERE r.is_root
    AND w.id = r.workflow_id
    AND r.trace_id IN (SELECT trace_id FROM roots)
