-- get_workflow_details: a run's LLM generations in the order they were made.
SELECT
    id,
    workflow_id,
    node_id,
    model_name,
    model_provider,
    system_prompt,
    user_prompt,
    output,
    parsed_output,
    temperature,
    max_tokens,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    cached_input_tokens,
    reasoning_tokens,
    cache_write_input_tokens,
    usage_problem,
    latency_ms,
    provided_cost,
    computed_cost,
    pricing_id,
    estimated_cost,
    created_at
FROM generations
WHERE workflow_id = %(workflow_id)s
  -- Prunes the monthly partitions older than the run: its rows are never older than it (a
  -- day of margin for rows stamped by a client's clock, as the buffered writer does).
  AND created_at >= (
      SELECT p.created_at - INTERVAL '1 day'
      FROM workflows AS p
      WHERE p.id = %(workflow_id)s
  )
ORDER BY created_at, id
