-- Success rate per week over the last %(months)s months (document 004, analytics query 1).
-- A week starts on Monday (date_trunc), in the session TimeZone.
SELECT
    DATE_TRUNC('week', iph.created_at) AS week,
    COUNT(*) AS total,
    COUNT(*) FILTER (WHERE iph.status = 'completed') AS success,
    ROUND(100.0 * COUNT(*) FILTER (WHERE iph.status = 'completed') / COUNT(*), 2) AS success_rate
FROM issue_processing_history AS iph
WHERE iph.created_at >= now() - make_interval(months => %(months)s::INTEGER)
GROUP BY DATE_TRUNC('week', iph.created_at)
ORDER BY week DESC
