-- Span writer: a workflow id for each trace seen for the first time, drawn from the
-- workflows identity sequence so the rows can be inserted with their ids known.
WITH fresh AS MATERIALIZED (
    SELECT
        d.trace_id,
        nextval(pg_get_serial_sequence('workflows', 'id')) AS workflow_id
    FROM (
        SELECT DISTINCT trace_id
        FROM pg_temp.pfr_span_stage
        WHERE workflow_id IS NULL
    ) AS d
)
UPDATE pg_temp.pfr_span_stage AS s
SET
    workflow_id = f.workflow_id,
    new_workflow = true
FROM fresh AS f
WHERE f.trace_id = s.trace_id
