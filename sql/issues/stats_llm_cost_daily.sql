-- LLM calls and cost per day and call type over the last %(days)s days (document 004's
-- GET /stats/llm-cost): the rows of view v_llm_cost_daily, read from the exact hourly
-- rollup v_llm_calls_hourly (0010); NULL sums stay NULL where the view has them NULL.
-- Calls are priced, unpriced (token counts, no price) or of unknown usage (no token count).
SELECT
    DATE(lh.hour) AS date,
    lh.call_type,
    SUM(lh.calls)::BIGINT AS total_calls,
    SUM(lh.cache_hits)::BIGINT AS cache_hits,
    ROUND(100.0 * SUM(lh.cache_hits)::BIGINT / NULLIF(SUM(lh.calls)::BIGINT, 0), 2) AS cache_hit_rate,
    (CASE WHEN SUM(lh.tokens_count) > 0 THEN SUM(lh.tokens_sum) END)::BIGINT AS total_tokens,
    CASE WHEN SUM(lh.priced_calls) > 0 THEN SUM(lh.cost_sum) END AS total_cost,
    SUM(lh.priced_calls)::BIGINT AS priced_calls,
    SUM(lh.calls - lh.priced_calls - lh.unknown_usage_calls)::BIGINT AS unpriced_calls,
    SUM(lh.unknown_usage_calls)::BIGINT AS unknown_usage_calls
FROM v_llm_calls_hourly AS lh
WHERE lh.hour >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY
    DATE(lh.hour),
    lh.call_type
ORDER BY
    date DESC,
    lh.call_type
