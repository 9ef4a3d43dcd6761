-- Document 004, analytics query 5.
SELECT
    SUBSTRING(error_message, 1, 100) as error_preview,
    COUNT(*) as occurrence_count,
    MAX(created_at) as last_occurred
FROM issue_processing_history
WHERE status = 'failed'
    AND created_at >= NOW() - INTERVAL '30 days'
GROUP BY SUBSTRING(error_message, 1, 100)
ORDER BY occurrence_count DESC
LIMIT 20;
