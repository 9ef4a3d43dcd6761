-- Document 004, analytics query 3.
SELECT
    model,
    call_type,
    COUNT(*) as total_calls,
    COUNT(*) FILTER (WHERE cache_hit = true) as cache_hits,
    ROUND(100.0 * COUNT(*) FILTER (WHERE cache_hit = true) / COUNT(*), 2) as cache_hit_rate,
    SUM(total_tokens) as total_tokens,
    ROUND(SUM(estimated_cost), 2) as total_cost,
    ROUND(AVG(estimated_cost), 4) as avg_cost_per_call
FROM llm_call_history
WHERE created_at >= NOW() - INTERVAL '30 days'
GROUP BY model, call_type
ORDER BY total_cost DESC;
