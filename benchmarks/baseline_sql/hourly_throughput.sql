-- Document 004, analytics query 4.
SELECT
    EXTRACT(HOUR FROM created_at) as hour,
    COUNT(*) as issue_count,
    ROUND(AVG(processing_duration_seconds), 2) as avg_duration
FROM issue_processing_history
WHERE created_at >= NOW() - INTERVAL '7 days'
    AND status = 'completed'
GROUP BY EXTRACT(HOUR FROM created_at)
ORDER BY hour;
