-- LLM calls and cost per day and call type over the last %(days)s days (document 004's
-- GET /stats/llm-cost), from view v_llm_cost_daily.
SELECT
    vlc.date,
    vlc.call_type,
    vlc.total_calls,
    vlc.cache_hits,
    vlc.cache_hit_rate,
    vlc.total_tokens,
    vlc.total_cost,
    vlc.total_calls - vlc.unpriced_calls - vlc.unknown_usage_calls AS priced_calls,
    vlc.unpriced_calls,
    vlc.unknown_usage_calls
FROM v_llm_cost_daily AS vlc
WHERE vlc.date >= CURRENT_DATE - %(days)s::INTEGER
ORDER BY
    vlc.date DESC,
    vlc.call_type
