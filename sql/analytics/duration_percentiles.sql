-- Percentiles of the processing duration (seconds) of completed runs over the last
-- %(days)s days (document 004, analytics query 7); NULLs when there is no completed run.
SELECT
    COUNT(iph.processing_duration_seconds) AS completed_runs,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY iph.processing_duration_seconds) AS p50,
    PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY iph.processing_duration_seconds) AS p75,
    PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY iph.processing_duration_seconds) AS p90,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY iph.processing_duration_seconds) AS p95,
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY iph.processing_duration_seconds) AS p99
FROM issue_processing_history AS iph
WHERE iph.status = 'completed'
  AND iph.created_at >= now() - make_interval(days => %(days)s::INTEGER)
