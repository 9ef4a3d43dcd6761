-- pfr workflow-stats daily: workflow runs per day and status over the last %(days)s days,
-- newest day first. The rows of view v_workflows_daily with date >= CURRENT_DATE -
-- %(days)s, computed from a created_at range (idx_workflows_created_at) instead of
-- grouping the whole table by DATE(created_at) first.
SELECT
    DATE(w.created_at) AS date,
    w.status,
    COUNT(*) AS workflows,
    COUNT(DISTINCT w.user_id) AS users,
    ROUND(AVG(EXTRACT(EPOCH FROM (w.completed_at - w.created_at)))::NUMERIC, 3) AS avg_duration_seconds
FROM workflows AS w
WHERE w.created_at >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY
    DATE(w.created_at),
    w.status
ORDER BY
    date DESC,
    w.status
