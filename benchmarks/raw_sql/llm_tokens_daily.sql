-- LLM tokens per day over the last %(days)s days with the share of input tokens served
-- from the provider's prompt cache, from llm_call_history's rows of the window (the
-- query before the rollups had token sums); the day is in the session TimeZone.
-- Calls with unknown counts (NULL tokens) are counted in unknown_token_calls, not as 0.
SELECT
    DATE(lch.created_at) AS date,
    COUNT(*) AS total_calls,
    COUNT(*) FILTER (WHERE lch.total_tokens IS NULL) AS unknown_token_calls,
    COALESCE(SUM(lch.prompt_tokens), 0)::BIGINT AS prompt_tokens,
    COALESCE(SUM(lch.cached_input_tokens), 0)::BIGINT AS cached_input_tokens,
    COALESCE(SUM(lch.cache_write_input_tokens), 0)::BIGINT AS cache_write_input_tokens,
    COALESCE(SUM(lch.completion_tokens), 0)::BIGINT AS completion_tokens,
    COALESCE(SUM(lch.reasoning_tokens), 0)::BIGINT AS reasoning_tokens,
    COALESCE(SUM(lch.total_tokens), 0)::BIGINT AS total_tokens,
    ROUND(
        100.0 * COALESCE(SUM(lch.cached_input_tokens), 0) / NULLIF(SUM(lch.prompt_tokens), 0),
        2
    ) AS cached_share
FROM llm_call_history AS lch
WHERE lch.created_at >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY DATE(lch.created_at)
ORDER BY date DESC
