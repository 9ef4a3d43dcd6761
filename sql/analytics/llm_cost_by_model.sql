-- LLM calls, cache hits, tokens and cost by model and call type over the last %(days)s
-- days (document 004, analytics query 3). Costs are unrounded USD; calls of an unpriced
-- model count in unpriced_calls, calls with no token count in unknown_usage_calls, and
-- neither is in the sums, so a missing price is never a 0.
-- From the exact rollups (0010): the raw calls of the partial hour where the window
-- starts, then whole UTC hours (v_llm_calls_hourly) up to the next UTC midnight, then
-- whole UTC days (v_llm_calls_daily).
SELECT
    parts.model,
    parts.call_type,
    SUM(parts.calls)::BIGINT AS total_calls,
    SUM(parts.cache_hits)::BIGINT AS cache_hits,
    ROUND(100.0 * SUM(parts.cache_hits)::BIGINT / SUM(parts.calls)::BIGINT, 2) AS cache_hit_rate,
    (CASE WHEN SUM(parts.tokens_count) > 0 THEN SUM(parts.tokens_sum) END)::BIGINT AS total_tokens,
    CASE WHEN SUM(parts.priced_calls) > 0 THEN SUM(parts.cost_sum) END AS total_cost,
    ROUND(SUM(parts.cost_sum) / NULLIF(SUM(parts.priced_calls), 0), 6) AS avg_cost_per_call,
    SUM(parts.calls - parts.priced_calls - parts.unknown_usage_calls)::BIGINT AS unpriced_calls,
    SUM(parts.unknown_usage_calls)::BIGINT AS unknown_usage_calls
FROM (
    SELECT
        ld.model,
        ld.call_type,
        ld.calls,
        ld.cache_hits,
        ld.tokens_count,
        ld.tokens_sum,
        ld.priced_calls,
        ld.cost_sum,
        ld.unknown_usage_calls
    FROM v_llm_calls_daily AS ld
    WHERE ld.day >= (pfr_utc_day_ceil(now() - make_interval(days => %(days)s::INTEGER)) AT TIME ZONE 'UTC')::DATE
    UNION ALL
    SELECT
        lh.model,
        lh.call_type,
        lh.calls,
        lh.cache_hits,
        lh.tokens_count,
        lh.tokens_sum,
        lh.priced_calls,
        lh.cost_sum,
        lh.unknown_usage_calls
    FROM v_llm_calls_hourly AS lh
    WHERE lh.hour >= pfr_utc_hour_ceil(now() - make_interval(days => %(days)s::INTEGER))
      AND lh.hour < pfr_utc_day_ceil(now() - make_interval(days => %(days)s::INTEGER))
    UNION ALL
    SELECT
        lch.model,
        lch.call_type,
        COUNT(*) AS calls,
        COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
        COUNT(lch.total_tokens) AS tokens_count,
        COALESCE(SUM(lch.total_tokens), 0) AS tokens_sum,
        COUNT(lch.estimated_cost) AS priced_calls,
        COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_calls
    FROM llm_call_history AS lch
    WHERE lch.created_at >= now() - make_interval(days => %(days)s::INTEGER)
      AND lch.created_at < pfr_utc_hour_ceil(now() - make_interval(days => %(days)s::INTEGER))
    GROUP BY
        lch.model,
        lch.call_type
) AS parts
GROUP BY
    parts.model,
    parts.call_type
ORDER BY
    total_cost DESC NULLS LAST,
    parts.model,
    parts.call_type
