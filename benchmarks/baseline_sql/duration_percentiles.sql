-- Document 004, analytics query 7.
SELECT
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY processing_duration_seconds) as p50,
    PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY processing_duration_seconds) as p75,
    PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY processing_duration_seconds) as p90,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY processing_duration_seconds) as p95,
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY processing_duration_seconds) as p99
FROM issue_processing_history
WHERE status = 'completed'
    AND created_at >= NOW() - INTERVAL '30 days';
