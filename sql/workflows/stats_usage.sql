-- pfr workflow-stats usage: LLM generations per day, model and provider over the last
-- %(days)s days, newest day first, costliest model first. The rows of view
-- v_generation_usage_daily with date >= CURRENT_DATE - %(days)s, computed from a
-- created_at range (partition pruning and idx_generations_created_at) instead of grouping
-- the whole table by DATE(created_at) first; the day is in the session TimeZone as there.
SELECT
    DATE(g.created_at) AS date,
    g.model_name,
    g.model_provider,
    COUNT(*) AS calls,
    SUM(g.prompt_tokens) AS prompt_tokens,
    SUM(g.completion_tokens) AS completion_tokens,
    SUM(g.total_tokens) AS total_tokens,
    SUM(g.estimated_cost) AS total_cost,
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND (g.prompt_tokens IS NOT NULL OR g.completion_tokens IS NOT NULL)
    ) AS unpriced_calls,
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND g.prompt_tokens IS NULL
          AND g.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    ROUND(AVG(g.latency_ms), 1) AS avg_latency_ms
FROM generations AS g
WHERE g.created_at >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY
    DATE(g.created_at),
    g.model_name,
    g.model_provider
ORDER BY
    date DESC,
    total_cost DESC NULLS LAST,
    g.model_name
