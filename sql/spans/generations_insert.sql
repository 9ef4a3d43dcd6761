-- Span writer: the LLM-call spans. created_at is the span's start, so a generation lands
-- in the partition of the month the call was made; the pricing trigger prices it.
INSERT INTO generations (
    id,
    workflow_id,
    node_id,
    model_name,
    model_provider,
    system_prompt,
    user_prompt,
    output,
    temperature,
    max_tokens,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    cached_input_tokens,
    cache_write_input_tokens,
    reasoning_tokens,
    latency_ms,
    usage_problem,
    created_at
)
SELECT
    s.generation_id,
    s.workflow_id,
    s.parent_node_id,
    COALESCE(s.model_name, 'unknown'),
    s.model_provider,
    s.system_prompt,
    s.user_prompt,
    s.output,
    s.temperature,
    s.max_tokens,
    s.prompt_tokens,
    s.completion_tokens,
    s.total_tokens,
    s.cached_input_tokens,
    s.cache_write_input_tokens,
    s.reasoning_tokens,
    s.duration_ms,
    s.usage_problem,
    s.started_at
FROM pg_temp.pfr_span_stage AS s
WHERE s.kind = 'generation'
