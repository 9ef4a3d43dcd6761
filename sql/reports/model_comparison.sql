-- Models side by side over the last %(days)s days (document 000's A/B step, on the issue
-- agent's LLM calls): calls, failures (calls recorded with an error_message, migration
-- 0009), failure rate, cost of the priced calls, how many were unpriced (token counts, no
-- price) or of unknown usage (no token count), and latency
-- percentiles of duration_seconds. Cache hits of the application cache are left out of
-- the latency figures: they never reached the model.
SELECT
    lch.model,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE lch.error_message IS NOT NULL) AS failed_calls,
    ROUND(100.0 * COUNT(*) FILTER (WHERE lch.error_message IS NOT NULL) / COUNT(*), 2) AS failure_rate,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    SUM(lch.total_tokens)::BIGINT AS total_tokens,
    SUM(lch.estimated_cost) AS total_cost,
    ROUND(AVG(lch.estimated_cost), 6) AS avg_cost_per_call,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND (lch.prompt_tokens IS NOT NULL OR lch.completion_tokens IS NOT NULL)
    ) AS unpriced_calls,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    ROUND((PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY lch.duration_seconds)
        FILTER (WHERE NOT lch.cache_hit))::NUMERIC, 3) AS p50_seconds,
    ROUND((PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY lch.duration_seconds)
        FILTER (WHERE NOT lch.cache_hit))::NUMERIC, 3) AS p95_seconds,
    ROUND((PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY lch.duration_seconds)
        FILTER (WHERE NOT lch.cache_hit))::NUMERIC, 3) AS p99_seconds
FROM llm_call_history AS lch
WHERE lch.created_at >= now() - make_interval(days => %(days)s::INTEGER)
GROUP BY lch.model
ORDER BY
    calls DESC,
    lch.model
