-- LLM calls, cache hits, tokens and cost by model and call type over the last %(days)s
-- days (document 004, analytics query 3). Costs are unrounded USD; calls of an unpriced
-- model count in unpriced_calls and not in the sums, so a missing price is never a 0.
SELECT
    lch.model,
    lch.call_type,
    COUNT(*) AS total_calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    ROUND(100.0 * COUNT(*) FILTER (WHERE lch.cache_hit) / COUNT(*), 2) AS cache_hit_rate,
    SUM(lch.total_tokens) AS total_tokens,
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
    ) AS unknown_usage_calls
FROM llm_call_history AS lch
WHERE lch.created_at >= now() - make_interval(days => %(days)s::INTEGER)
GROUP BY
    lch.model,
    lch.call_type
ORDER BY
    total_cost DESC NULLS LAST,
    lch.model,
    lch.call_type
