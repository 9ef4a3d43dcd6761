-- The most frequent failure messages (first 100 characters) over the last %(days)s days
-- (document 004, analytics query 5).
SELECT
    SUBSTRING(iph.error_message, 1, 100) AS error_preview,
    COUNT(*) AS occurrence_count,
    MAX(iph.created_at) AS last_occurred
FROM issue_processing_history AS iph
WHERE iph.status = 'failed'
  AND iph.created_at >= now() - make_interval(days => %(days)s::INTEGER)
GROUP BY SUBSTRING(iph.error_message, 1, 100)
ORDER BY
    occurrence_count DESC,
    last_occurred DESC
LIMIT %(limit)s
