-- Model and system prompt pairs side by side over the last %(days)s days (document 000's
-- A/B step, on the workflow logger's generations): calls, failure rate (generations made
-- in a node that failed), cost of the priced generations, how many were unpriced or of
-- unknown usage (no token count),
-- tokens, and latency percentiles of latency_ms. A prompt is named by the first 8 hex
-- digits of its md5 plus its first 60 characters, so two long prompts that share a
-- beginning stay apart.
SELECT
    g.model_name,
    g.model_provider,
    LEFT(md5(COALESCE(g.system_prompt, '')), 8) AS prompt_id,
    LEFT(g.system_prompt, 60) AS prompt_preview,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE n.status = 'failed') AS failed_calls,
    ROUND(100.0 * COUNT(*) FILTER (WHERE n.status = 'failed') / COUNT(*), 2) AS failure_rate,
    SUM(g.total_tokens)::BIGINT AS total_tokens,
    SUM(g.estimated_cost) AS total_cost,
    ROUND(AVG(g.estimated_cost), 6) AS avg_cost_per_call,
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND (g.prompt_tokens IS NOT NULL OR g.completion_tokens IS NOT NULL)
    ) AS unpriced_calls,
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND g.prompt_tokens IS NULL
          AND g.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    ROUND((PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY g.latency_ms))::NUMERIC, 1) AS p50_latency_ms,
    ROUND((PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY g.latency_ms))::NUMERIC, 1) AS p95_latency_ms,
    ROUND((PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY g.latency_ms))::NUMERIC, 1) AS p99_latency_ms
FROM generations AS g
LEFT JOIN nodes AS n
    ON n.id = g.node_id
WHERE g.created_at >= now() - make_interval(days => %(days)s::INTEGER)
GROUP BY
    g.model_name,
    g.model_provider,
    LEFT(md5(COALESCE(g.system_prompt, '')), 8),
    LEFT(g.system_prompt, 60)
ORDER BY
    calls DESC,
    g.model_name,
    prompt_id
