-- Document 004, analytics query 1.
SELECT
    DATE_TRUNC('week', created_at) as week,
    COUNT(*) as total,
    COUNT(*) FILTER (WHERE status = 'completed') as success,
    ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'completed') / COUNT(*), 2) as success_rate
FROM issue_processing_history
WHERE created_at >= NOW() - INTERVAL '3 months'
GROUP BY DATE_TRUNC('week', created_at)
ORDER BY week DESC;
