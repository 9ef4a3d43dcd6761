-- Completed runs and their average duration by hour of day over the last %(days)s days
-- (document 004, analytics query 4). The hour is taken in the session TimeZone.
SELECT
    EXTRACT(HOUR FROM iph.created_at)::INTEGER AS hour,
    COUNT(*) AS issue_count,
    ROUND(AVG(iph.processing_duration_seconds), 2) AS avg_duration
FROM issue_processing_history AS iph
WHERE iph.created_at >= now() - make_interval(days => %(days)s::INTEGER)
  AND iph.status = 'completed'
GROUP BY EXTRACT(HOUR FROM iph.created_at)
ORDER BY hour
