-- Span writer: one writer at a time per trace (two processes exporting spans of the same
-- trace must not both create its workflow or number its nodes alike). Transaction-level
-- advisory locks, taken in trace order so two writers cannot deadlock.
SELECT pg_advisory_xact_lock(hashtextextended('pfr_trace:' || t.trace_id, 0))
FROM (
    SELECT DISTINCT trace_id
    FROM pg_temp.pfr_span_stage
    ORDER BY trace_id
) AS t
