-- Record one LLM call of a run. computed_cost, pricing_id and a missing total_tokens are
-- filled by trigger trg_llm_call_history_price from the price in force at created_at.
INSERT INTO llm_call_history (
    history_id,
    call_type,
    model,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    cached_input_tokens,
    reasoning_tokens,
    provided_cost,
    cache_hit,
    cache_key,
    duration_seconds,
    error_message
)
VALUES (
    %(history_id)s,
    %(call_type)s,
    %(model)s,
    %(prompt_tokens)s,
    %(completion_tokens)s,
    %(total_tokens)s,
    %(cached_input_tokens)s,
    %(reasoning_tokens)s,
    %(provided_cost)s,
    %(cache_hit)s,
    %(cache_key)s,
    %(duration_seconds)s,
    %(error_message)s
)
RETURNING
    id,
    total_tokens,
    computed_cost,
    estimated_cost,
    created_at
