-- Buffered writer: a batch of LLM calls copied straight into the monthly partition
-- {partition} of llm_call_history (writer/llm_call_partitions), where COPY inserts in
-- multi-row buffers; the writer marks their hours for the rollups itself
-- (writer/llm_call_hours_mark). Same columns, in the same order, as
-- writer/copy_llm_call_history.
COPY {partition} (
    history_id,
    call_type,
    model,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    cached_input_tokens,
    reasoning_tokens,
    cache_write_input_tokens,
    model_provider,
    usage_problem,
    provided_cost,
    computed_cost,
    pricing_id,
    cache_hit,
    cache_key,
    duration_seconds,
    error_message,
    created_at,
    issue_key
)
FROM STDIN
