-- LLM generations of workflow runs per day, model and provider over the last %(days)s days:
-- the rows of view v_generation_usage_daily with date >= CURRENT_DATE - %(days)s, computed
-- from a created_at range (idx_generations_created_at and partition pruning) instead of
-- grouping the whole table by DATE(created_at) first. The day is taken in the session
-- TimeZone, as in the view.
SELECT
    DATE(g.created_at) AS date,
    g.model_name,
    g.model_provider,
    COUNT(*) AS calls,
    SUM(g.prompt_tokens) AS prompt_tokens,
    SUM(g.cached_input_tokens) AS cached_input_tokens,
    SUM(g.completion_tokens) AS completion_tokens,
    SUM(g.reasoning_tokens) AS reasoning_tokens,
    SUM(g.total_tokens) AS total_tokens,
    SUM(g.estimated_cost) AS total_cost,
    COUNT(*) FILTER (WHERE g.estimated_cost IS NULL) AS unpriced_calls,
    ROUND(AVG(g.latency_ms), 1) AS avg_latency_ms
FROM generations AS g
WHERE g.created_at >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY
    DATE(g.created_at),
    g.model_name,
    g.model_provider
ORDER BY
    date DESC,
    g.model_name,
    g.model_provider
