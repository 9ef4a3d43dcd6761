-- Span writer: a running workflow for each new trace, started at its earliest span seen;
-- the root span, when it arrives (now or in a later batch), completes it.
INSERT INTO workflows (
    id,
    user_id,
    status,
    created_at
)
SELECT
    s.workflow_id,
    u.id,
    'running',
    MIN(s.started_at)
FROM pg_temp.pfr_span_stage AS s
JOIN users AS u
    ON u.username = s.username
WHERE s.new_workflow
GROUP BY s.workflow_id, u.id
