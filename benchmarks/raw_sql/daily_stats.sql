-- Runs per day over the last %(days)s days (document 004's GET /stats/daily), from view
-- v_processing_stats; the day is taken in the session TimeZone.
SELECT
    vps.date,
    vps.total_issues,
    vps.completed,
    vps.failed,
    vps.processing,
    vps.queued,
    vps.success_rate,
    vps.avg_duration,
    vps.total_files_modified
FROM v_processing_stats AS vps
WHERE vps.date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY vps.date DESC
