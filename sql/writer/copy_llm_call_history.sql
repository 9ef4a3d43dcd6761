-- Buffered writer: bulk-load a batch of queued LLM calls, priced by the writer as they
-- are sent (computed_cost, pricing_id; a model's price is looked up once per batch).
-- {target} is the monthly partition the rows belong to when the writer may copy straight
-- into it (writer/llm_call_partitions says when: COPY then inserts in multi-row buffers,
-- and the writer marks the hours for the rollups itself, writer/llm_call_hours_mark),
-- else llm_call_history itself (rows outside every monthly range, a pfr_writer member,
-- Citus). estimated_cost is generated, so it is not in the column list. created_at is
-- the time of the call, stamped when the writer accepted it, so a delayed flush keeps
-- the true time (and partition). issue_key is the run's, looked up once per batch
-- (writer/run_issue_keys).
--
-- Binary: psycopg makes the text form of a timestamptz in Python (str(datetime)), which
-- cost more per row than the rest of the row together; its binary dumpers for
-- timestamptz, integers, text and booleans are C, and the server reads binary values
-- without parsing text (make bench, section 1). A binary value must be of its column's
-- exact type: the writer reads the types in the batch's transaction
-- (writer/llm_call_copy_types) and dumps each value as one.
COPY {target} (
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
FROM STDIN (FORMAT binary)
