-- Success rate per week over the last %(months)s months (document 004, analytics query 1).
-- A week starts on Monday (date_trunc), in the session TimeZone. Whole UTC hours come from
-- the exact rollup v_issues_hourly (0010), the partial hour where the window starts from
-- the raw runs.
SELECT
    parts.week,
    SUM(parts.total)::BIGINT AS total,
    SUM(parts.success)::BIGINT AS success,
    ROUND(100.0 * SUM(parts.success)::BIGINT / SUM(parts.total)::BIGINT, 2) AS success_rate
FROM (
    SELECT
        DATE_TRUNC('week', ih.hour) AS week,
        ih.runs AS total,
        CASE WHEN ih.status = 'completed' THEN ih.runs ELSE 0 END AS success
    FROM v_issues_hourly AS ih
    WHERE ih.hour >= pfr_utc_hour_ceil(now() - make_interval(months => %(months)s::INTEGER))
    UNION ALL
    SELECT
        DATE_TRUNC('week', iph.created_at) AS week,
        1 AS total,
        CASE WHEN iph.status = 'completed' THEN 1 ELSE 0 END AS success
    FROM issue_processing_history AS iph
    WHERE iph.created_at >= now() - make_interval(months => %(months)s::INTEGER)
      AND iph.created_at < pfr_utc_hour_ceil(now() - make_interval(months => %(months)s::INTEGER))
) AS parts
GROUP BY parts.week
ORDER BY parts.week DESC
