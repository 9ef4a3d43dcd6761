-- Document 004, analytics query 6.
SELECT
    DATE_TRUNC('hour', created_at) as hour,
    api_method,
    COUNT(*) as call_count,
    ROUND(AVG(duration_seconds), 3) as avg_duration,
    COUNT(*) FILTER (WHERE status_code >= 400) as error_count
FROM bitbucket_api_history
WHERE created_at >= NOW() - INTERVAL '24 hours'
GROUP BY DATE_TRUNC('hour', created_at), api_method
ORDER BY hour DESC, call_count DESC;
