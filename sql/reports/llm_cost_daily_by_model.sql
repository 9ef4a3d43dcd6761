-- LLM calls and cost per day and model over the last %(days)s days: the dashboard's
-- "cost per day stacked by model". From the exact hourly rollup v_llm_calls_hourly (0010),
-- like issues/stats_llm_cost_daily, with the day in the session TimeZone. total_cost sums the
-- priced calls and is NULL when none of the day's calls of that model has a price;
-- unpriced_calls (token counts, no price) and unknown_usage_calls (no token count) say how
-- many had none, so a missing price never reads as $0.
SELECT
    DATE(lh.hour) AS date,
    lh.model,
    SUM(lh.calls)::BIGINT AS total_calls,
    CASE WHEN SUM(lh.priced_calls) > 0 THEN SUM(lh.cost_sum) END AS total_cost,
    SUM(lh.priced_calls)::BIGINT AS priced_calls,
    SUM(lh.calls - lh.priced_calls - lh.unknown_usage_calls)::BIGINT AS unpriced_calls,
    SUM(lh.unknown_usage_calls)::BIGINT AS unknown_usage_calls
FROM v_llm_calls_hourly AS lh
WHERE lh.hour >= (CURRENT_DATE - %(days)s::INTEGER)::TIMESTAMPTZ
GROUP BY
    DATE(lh.hour),
    lh.model
ORDER BY
    date DESC,
    lh.model
