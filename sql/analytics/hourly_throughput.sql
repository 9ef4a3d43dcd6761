-- Completed runs and their average duration by hour of day over the last %(days)s days
-- (document 004, analytics query 4). The hour is taken in the session TimeZone. Whole UTC
-- hours come from the exact rollup v_issues_hourly (0010), the partial hour where the
-- window starts from the raw runs.
SELECT
    parts.hour,
    SUM(parts.runs)::BIGINT AS issue_count,
    ROUND(SUM(parts.duration_sum) / NULLIF(SUM(parts.duration_count), 0), 2) AS avg_duration
FROM (
    SELECT
        EXTRACT(HOUR FROM ih.hour)::INTEGER AS hour,
        ih.runs,
        ih.duration_sum,
        ih.duration_count
    FROM v_issues_hourly AS ih
    WHERE ih.status = 'completed'
      AND ih.hour >= pfr_utc_hour_ceil(now() - make_interval(days => %(days)s::INTEGER))
    UNION ALL
    SELECT
        EXTRACT(HOUR FROM iph.created_at)::INTEGER AS hour,
        1 AS runs,
        iph.processing_duration_seconds AS duration_sum,
        CASE WHEN iph.processing_duration_seconds IS NULL THEN 0 ELSE 1 END AS duration_count
    FROM issue_processing_history AS iph
    WHERE iph.status = 'completed'
      AND iph.created_at >= now() - make_interval(days => %(days)s::INTEGER)
      AND iph.created_at < pfr_utc_hour_ceil(now() - make_interval(days => %(days)s::INTEGER))
) AS parts
GROUP BY parts.hour
ORDER BY parts.hour
