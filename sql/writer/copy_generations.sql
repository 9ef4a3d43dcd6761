-- Buffered writer: bulk-load queued LLM generations of workflow runs, priced by the writer
-- once per batch (computed_cost, pricing_id); estimated_cost is generated, so it is not in
-- the column list. created_at is stamped when the writer accepted the row.
COPY generations (
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
    created_at
)
FROM STDIN
