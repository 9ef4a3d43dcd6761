-- LLM tokens per day over the last %(days)s days with the share of input tokens served
-- from the provider's prompt cache: the dashboard's "tokens with cached share". From the
-- exact hourly rollup v_llm_calls_hourly (token sums: migration 0022), like
-- reports/llm_cost_daily_by_model, with the day in the session TimeZone. Calls with
-- unknown counts (no total_tokens) are counted in unknown_token_calls, not as 0.
SELECT
    DATE(lh.hour) AS date,
    SUM(lh.calls)::BIGINT AS total_calls,
    SUM(lh.calls - lh.tokens_count)::BIGINT AS unknown_token_calls,
    SUM(lh.prompt_tokens_sum)::BIGINT AS prompt_tokens,
    SUM(lh.cached_input_tokens_sum)::BIGINT AS cached_input_tokens,
    SUM(lh.cache_write_input_tokens_sum)::BIGINT AS cache_write_input_tokens,
    SUM(lh.completion_tokens_sum)::BIGINT AS completion_tokens,
    SUM(lh.reasoning_tokens_sum)::BIGINT AS reasoning_tokens,
    SUM(lh.tokens_sum)::BIGINT AS total_tokens,
    ROUND(
        100.0 * SUM(lh.cached_input_tokens_sum) / NULLIF(SUM(lh.prompt_tokens_sum), 0),
        2
    ) AS cached_share
FROM v_llm_calls_hourly AS lh
WHERE lh.hour >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY DATE(lh.hour)
ORDER BY date DESC
