-- pfr workflow-stats daily: workflow runs per day and status over the last %(days)s days
-- (v_workflows_daily), newest day first.
SELECT
    date,
    status,
    workflows,
    users,
    avg_duration_seconds
FROM v_workflows_daily
WHERE date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY date DESC, status
