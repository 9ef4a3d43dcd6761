-- Record one LLM call of a run. computed_cost, pricing_id and a missing total_tokens are
-- filled by trigger trg_llm_call_history_price from the price in force at created_at.
-- The row carries its run's issue_key (the distribution column on Citus), read from the
-- run in the same statement; no row comes back when the run does not exist.
INSERT INTO llm_call_history (
    issue_key,
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
SELECT
    iph.issue_key,
    iph.id,
    %(call_type)s::VARCHAR,
    %(model)s::VARCHAR,
    %(prompt_tokens)s::INTEGER,
    %(completion_tokens)s::INTEGER,
    %(total_tokens)s::INTEGER,
    %(cached_input_tokens)s::INTEGER,
    %(reasoning_tokens)s::INTEGER,
    %(provided_cost)s::NUMERIC,
    %(cache_hit)s::BOOLEAN,
    %(cache_key)s::VARCHAR,
    %(duration_seconds)s::NUMERIC,
    %(error_message)s::TEXT
FROM issue_processing_history AS iph
WHERE iph.id = %(history_id)s
RETURNING
    id,
    total_tokens,
    computed_cost,
    estimated_cost,
    created_at
