-- Retention benchmark data: %(rows)s LLM calls spread evenly over the month from
-- %(month_start)s, for the runs with ids %(first_id)s.. (%(runs)s of them).
INSERT INTO llm_call_history (
    history_id,
    call_type,
    model,
    prompt_tokens,
    completion_tokens,
    cache_hit,
    duration_seconds,
    created_at
)
SELECT
    %(first_id)s::BIGINT + g.i %% %(runs)s::INTEGER,
    (ARRAY['spec_conversion', 'code_diff', 'new_file', 'other'])[1 + g.i %% 4],
    (ARRAY['gpt-4o', 'gpt-4-turbo-preview', 'gpt-3.5-turbo', 'local-llama'])[1 + g.i %% 4],
    500 + (g.i * 31) %% 4000,
    100 + (g.i * 13) %% 1500,
    g.i %% 5 = 0,
    (g.i %% 20000) / 1000.0,
    %(month_start)s::TIMESTAMPTZ
        + (%(month_start)s::TIMESTAMPTZ + INTERVAL '1 month' - %(month_start)s::TIMESTAMPTZ)
        * g.i / %(rows)s::BIGINT
FROM generate_series(0, %(rows)s::BIGINT - 1) AS g (i)
