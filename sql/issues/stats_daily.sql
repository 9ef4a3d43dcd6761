-- Runs per day over the last %(days)s days (document 004's GET /stats/daily): the rows of
-- view v_processing_stats, read from the exact hourly rollup v_issues_hourly (0010). A UTC
-- hour lies within one day of any session TimeZone with a whole-hour offset, so the days
-- and figures are those of the view; the day is taken in the session TimeZone.
SELECT
    DATE(ih.hour) AS date,
    SUM(ih.runs)::BIGINT AS total_issues,
    COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'completed'), 0)::BIGINT AS completed,
    COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'failed'), 0)::BIGINT AS failed,
    COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'processing'), 0)::BIGINT AS processing,
    COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'queued'), 0)::BIGINT AS queued,
    ROUND(
        100.0 * COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'completed'), 0)::BIGINT
        / NULLIF(SUM(ih.runs)::BIGINT, 0),
        2
    ) AS success_rate,
    ROUND(
        SUM(ih.duration_sum) FILTER (WHERE ih.status = 'completed')
        / NULLIF(SUM(ih.duration_count) FILTER (WHERE ih.status = 'completed'), 0),
        2
    ) AS avg_duration,
    (
        CASE
            WHEN SUM(ih.files_count) FILTER (WHERE ih.status = 'completed') > 0
            THEN SUM(ih.files_sum) FILTER (WHERE ih.status = 'completed')
        END
    )::BIGINT AS total_files_modified
FROM v_issues_hourly AS ih
WHERE ih.hour >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY DATE(ih.hour)
ORDER BY date DESC
