-- Overall figures (document 004's GET /stats). Runs and LLM calls are aggregated in
-- separate subqueries, so neither multiplies the other. Rates are percentages with 2
-- decimals, 0 when there is nothing to divide; the LLM cost sums priced calls only (NULL
-- when none is); unpriced_llm_calls and unknown_usage_llm_calls say how many had no cost.
SELECT
    runs.total_issues,
    runs.queued,
    runs.processing,
    runs.completed,
    runs.no_changes,
    runs.failed,
    COALESCE(ROUND(100.0 * runs.completed / NULLIF(runs.total_issues, 0), 2), 0) AS success_rate,
    COALESCE(runs.avg_duration_seconds, 0) AS avg_duration_seconds,
    llm.total_llm_cost_usd,
    llm.total_llm_calls,
    llm.priced_llm_calls,
    llm.unpriced_llm_calls,
    llm.unknown_usage_llm_calls,
    COALESCE(ROUND(100.0 * llm.cache_hits / NULLIF(llm.total_llm_calls, 0), 2), 0) AS cache_hit_rate
FROM (
    SELECT
        COUNT(*) AS total_issues,
        COUNT(*) FILTER (WHERE iph.status = 'queued') AS queued,
        COUNT(*) FILTER (WHERE iph.status = 'processing') AS processing,
        COUNT(*) FILTER (WHERE iph.status = 'completed') AS completed,
        COUNT(*) FILTER (
            WHERE iph.status = 'completed'
              AND iph.result_data ->> 'status' = 'no_changes'
        ) AS no_changes,
        COUNT(*) FILTER (WHERE iph.status = 'failed') AS failed,
        ROUND(AVG(iph.processing_duration_seconds) FILTER (WHERE iph.status = 'completed'), 2)
            AS avg_duration_seconds
    FROM issue_processing_history AS iph
) AS runs
CROSS JOIN (
    SELECT
        SUM(lch.estimated_cost) AS total_llm_cost_usd,
        COUNT(*) AS total_llm_calls,
        COUNT(lch.estimated_cost) AS priced_llm_calls,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND (lch.prompt_tokens IS NOT NULL OR lch.completion_tokens IS NOT NULL)
        ) AS unpriced_llm_calls,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_llm_calls,
        COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits
    FROM llm_call_history AS lch
) AS llm
