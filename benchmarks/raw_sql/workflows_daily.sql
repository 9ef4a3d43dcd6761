-- The raw view, filtered as a dashboard reads it.
SELECT
    date,
    status,
    workflows,
    users,
    avg_duration_seconds
FROM v_workflows_daily
WHERE date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY
    date DESC,
    status
