-- The LLM calls of one run, in call order; cost is NULL when unpriced (no price for the
-- model) or of unknown usage (no token count came back): pricing says which.
SELECT
    lch.call_type,
    lch.model,
    lch.model_provider AS provider,
    lch.prompt_tokens,
    lch.completion_tokens,
    lch.total_tokens,
    lch.cached_input_tokens,
    lch.cache_write_input_tokens,
    lch.reasoning_tokens,
    lch.estimated_cost AS cost,
    CASE
        WHEN lch.estimated_cost IS NOT NULL THEN 'priced'
        WHEN lch.prompt_tokens IS NULL AND lch.completion_tokens IS NULL THEN 'unknown usage'
        ELSE 'unpriced'
    END AS pricing,
    lch.pricing_id,
    lch.usage_problem,
    lch.cache_hit,
    lch.duration_seconds AS duration,
    lch.error_message,
    lch.created_at
FROM llm_call_history AS lch
WHERE lch.history_id = %(history_id)s
  -- Prunes the monthly partitions older than the run: its rows are never older than it (a
  -- day of margin for rows stamped by a client's clock, as the buffered writer does).
  AND lch.created_at >= (
      SELECT p.created_at - INTERVAL '1 day'
      FROM issue_processing_history AS p
      WHERE p.id = %(history_id)s
  )
ORDER BY
    lch.created_at,
    lch.id
