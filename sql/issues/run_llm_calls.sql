-- The LLM calls of one run, in call order; cost is NULL for an unpriced model.
SELECT
    lch.call_type,
    lch.model,
    lch.prompt_tokens,
    lch.completion_tokens,
    lch.total_tokens,
    lch.estimated_cost AS cost,
    lch.cache_hit,
    lch.duration_seconds AS duration,
    lch.error_message,
    lch.created_at
FROM llm_call_history AS lch
WHERE lch.history_id = %(history_id)s
ORDER BY
    lch.created_at,
    lch.id
