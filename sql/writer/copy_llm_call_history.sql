-- Buffered writer: bulk-load queued LLM calls through the parent, priced by the writer
-- once per batch (computed_cost, pricing_id). Used for the rows that cannot go straight
-- into a monthly partition (writer/llm_call_partitions says which can), and on Citus.
-- estimated_cost is generated, so it is not in the column list. created_at is the time of
-- the call, stamped when the writer accepted it, so a delayed flush keeps the true time
-- (and partition). issue_key is the run's, looked up once per batch (writer/run_issue_keys).
-- The column list is the same as writer/copy_llm_call_history_partition's.
COPY llm_call_history (
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
