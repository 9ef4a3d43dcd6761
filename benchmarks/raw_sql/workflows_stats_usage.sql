-- pfr workflow-stats usage: LLM generations per day, model and provider over the last
-- %(days)s days (v_generation_usage_daily), newest day first, costliest model first.
SELECT
    date,
    model_name,
    model_provider,
    calls,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    total_cost,
    unpriced_calls,
    unknown_usage_calls,
    avg_latency_ms
FROM v_generation_usage_daily
WHERE date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY date DESC, total_cost DESC NULLS LAST, model_name
