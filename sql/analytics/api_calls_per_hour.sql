-- API calls per hour and method over the last %(hours)s hours, with errors (status 400 or
-- more) counted, to watch the rate limit (document 004, analytics query 6). A call that got
-- no response (NULL status_code, error_message set) is counted in no_response.
SELECT
    DATE_TRUNC('hour', bah.created_at) AS hour,
    bah.api_method,
    COUNT(*) AS call_count,
    ROUND(AVG(bah.duration_seconds), 3) AS avg_duration,
    COUNT(*) FILTER (WHERE bah.status_code >= 400) AS error_count,
    COUNT(*) FILTER (WHERE bah.status_code IS NULL AND bah.error_message IS NOT NULL) AS no_response
FROM bitbucket_api_history AS bah
WHERE bah.created_at >= now() - make_interval(hours => %(hours)s::INTEGER)
GROUP BY
    DATE_TRUNC('hour', bah.created_at),
    bah.api_method
ORDER BY
    hour DESC,
    call_count DESC,
    bah.api_method
