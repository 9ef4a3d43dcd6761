-- Benchmark data: %(per_issue)s LLM calls for each run with an id in %(first_id)s..%(last_id)s,
-- a few seconds apart after the run's creation; four call types, four models (one unpriced,
-- so unpriced counts are exercised), 20%% cache hits. The pricing trigger prices each row.
INSERT INTO llm_call_history (
    history_id,
    call_type,
    model,
    prompt_tokens,
    completion_tokens,
    cached_input_tokens,
    cache_hit,
    cache_key,
    duration_seconds,
    created_at
)
SELECT
    iph.id,
    (ARRAY['spec_conversion', 'code_diff', 'new_file', 'other'])[1 + k.k %% 4],
    (ARRAY['gpt-4o', 'gpt-4-turbo-preview', 'gpt-3.5-turbo', 'local-llama'])[1 + (iph.id + k.k) %% 4],
    500 + (iph.id * 31 + k.k * 17) %% 4000,
    100 + (iph.id * 13 + k.k * 7) %% 1500,
    CASE WHEN k.k %% 3 = 0 THEN 200 END,
    (iph.id + k.k) %% 5 = 0,
    'cache:' || iph.id || ':' || k.k,
    ((iph.id * 7 + k.k) %% 20000) / 1000.0,
    iph.created_at + make_interval(secs => k.k * 3)
FROM issue_processing_history AS iph
CROSS JOIN generate_series(1, %(per_issue)s::INTEGER) AS k (k)
WHERE iph.id BETWEEN %(first_id)s AND %(last_id)s
