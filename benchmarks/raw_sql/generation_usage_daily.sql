-- The raw view, filtered as a dashboard reads it.
SELECT
    date,
    model_name,
    model_provider,
    calls,
    prompt_tokens,
    cached_input_tokens,
    completion_tokens,
    reasoning_tokens,
    total_tokens,
    total_cost,
    unpriced_calls,
    avg_latency_ms
FROM v_generation_usage_daily
WHERE date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY
    date DESC,
    model_name,
    model_provider
