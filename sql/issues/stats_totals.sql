-- Overall figures (document 004's GET /stats), from the exact rollup views v_issues_daily
-- and v_llm_calls_daily (migration 0010): a few thousand rows instead of every run and
-- every LLM call, with the raw figures. Rates are percentages with 2 decimals, 0 when there
-- is nothing to divide. The LLM cost sums the priced calls and is NULL when none is priced
-- (an unknown cost is never shown as 0). Every call is priced, unpriced (token counts but
-- no price for its model) or of unknown usage (no token count came back): the three counts
-- add up to total_llm_calls (unknown_usage_calls: migration 0022).
SELECT
    runs.total_issues,
    runs.queued,
    runs.processing,
    runs.completed,
    runs.no_changes,
    runs.failed,
    COALESCE(ROUND(100.0 * runs.completed / NULLIF(runs.total_issues, 0), 2), 0) AS success_rate,
    COALESCE(ROUND(runs.duration_sum / NULLIF(runs.duration_count, 0), 2), 0) AS avg_duration_seconds,
    llm.total_llm_cost_usd,
    llm.total_llm_calls,
    llm.priced_llm_calls,
    llm.unpriced_llm_calls,
    llm.unknown_usage_llm_calls,
    COALESCE(ROUND(100.0 * llm.cache_hits / NULLIF(llm.total_llm_calls, 0), 2), 0) AS cache_hit_rate
FROM (
    SELECT
        COALESCE(SUM(ih.runs), 0)::BIGINT AS total_issues,
        COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'queued'), 0)::BIGINT AS queued,
        COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'processing'), 0)::BIGINT AS processing,
        COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'completed'), 0)::BIGINT AS completed,
        COALESCE(SUM(ih.no_changes) FILTER (WHERE ih.status = 'completed'), 0)::BIGINT AS no_changes,
        COALESCE(SUM(ih.runs) FILTER (WHERE ih.status = 'failed'), 0)::BIGINT AS failed,
        SUM(ih.duration_sum) FILTER (WHERE ih.status = 'completed') AS duration_sum,
        SUM(ih.duration_count) FILTER (WHERE ih.status = 'completed') AS duration_count
    FROM v_issues_daily AS ih
) AS runs
CROSS JOIN (
    SELECT
        CASE WHEN SUM(lh.priced_calls) > 0 THEN SUM(lh.cost_sum) END AS total_llm_cost_usd,
        COALESCE(SUM(lh.calls), 0)::BIGINT AS total_llm_calls,
        COALESCE(SUM(lh.priced_calls), 0)::BIGINT AS priced_llm_calls,
        COALESCE(SUM(lh.calls - lh.priced_calls - lh.unknown_usage_calls), 0)::BIGINT AS unpriced_llm_calls,
        COALESCE(SUM(lh.unknown_usage_calls), 0)::BIGINT AS unknown_usage_llm_calls,
        COALESCE(SUM(lh.cache_hits), 0)::BIGINT AS cache_hits
    FROM v_llm_calls_daily AS lh
) AS llm
