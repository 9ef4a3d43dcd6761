-- Record one LLM call of a run, priced by the package (pricing.py) at created_at: cost,
-- the model_pricing row it came from (pricing_id) and the total are computed before.
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
    created_at
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
    %(cache_write_input_tokens)s::INTEGER,
    %(model_provider)s::VARCHAR,
    %(usage_problem)s::TEXT,
    %(provided_cost)s::NUMERIC,
    %(computed_cost)s::NUMERIC,
    %(pricing_id)s::BIGINT,
    %(cache_hit)s::BOOLEAN,
    %(cache_key)s::VARCHAR,
    %(duration_seconds)s::NUMERIC,
    %(error_message)s::TEXT,
    %(created_at)s::TIMESTAMPTZ
FROM issue_processing_history AS iph
WHERE iph.id = %(history_id)s
RETURNING
    id,
    total_tokens,
    computed_cost,
    estimated_cost,
    created_at
