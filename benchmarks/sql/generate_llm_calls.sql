-- Benchmark data: %(per_issue)s LLM calls for each run with an id in %(first_id)s..%(last_id)s,
-- a few seconds apart after the run's creation; four call types, four models (one unpriced,
-- so unpriced counts are exercised), 20%% cache hits. Priced here from the catalogue's flat
-- rates of those models (the package prices its own writes in Python; this is bulk data).
INSERT INTO llm_call_history (
    history_id,
    call_type,
    model,
    model_provider,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    cached_input_tokens,
    cache_hit,
    cache_key,
    duration_seconds,
    created_at,
    computed_cost,
    pricing_id
)
SELECT
    c.history_id,
    c.call_type,
    c.model,
    'openai',
    c.prompt_tokens,
    c.completion_tokens,
    c.prompt_tokens + c.completion_tokens,
    c.cached_input_tokens,
    c.cache_hit,
    c.cache_key,
    c.duration_seconds,
    c.created_at,
    (
          (c.prompt_tokens - COALESCE(c.cached_input_tokens, 0)) * p.input_per_1m
        + COALESCE(c.cached_input_tokens, 0) * COALESCE(p.cached_input_per_1m, p.input_per_1m)
        + c.completion_tokens * p.output_per_1m
    ) / 1000000,
    p.id
FROM (
    SELECT
        iph.id AS history_id,
        (ARRAY['spec_conversion', 'code_diff', 'new_file', 'other'])[1 + k.k %% 4] AS call_type,
        (ARRAY['gpt-4o', 'gpt-4-turbo-preview', 'gpt-3.5-turbo', 'local-llama'])[1 + (iph.id + k.k) %% 4]
            AS model,
        500 + (iph.id * 31 + k.k * 17) %% 4000 AS prompt_tokens,
        100 + (iph.id * 13 + k.k * 7) %% 1500 AS completion_tokens,
        CASE WHEN k.k %% 3 = 0 THEN 200 END AS cached_input_tokens,
        (iph.id + k.k) %% 5 = 0 AS cache_hit,
        'cache:' || iph.id || ':' || k.k AS cache_key,
        ((iph.id * 7 + k.k) %% 20000) / 1000.0 AS duration_seconds,
        iph.created_at + make_interval(secs => k.k * 3) AS created_at
    FROM issue_processing_history AS iph
    CROSS JOIN generate_series(1, %(per_issue)s::INTEGER) AS k (k)
    WHERE iph.id BETWEEN %(first_id)s AND %(last_id)s
) AS c
LEFT JOIN LATERAL (
    SELECT
        mp.id,
        mp.input_per_1m,
        mp.cached_input_per_1m,
        mp.output_per_1m
    FROM model_pricing AS mp
    WHERE mp.source = 'genai-prices'
      AND mp.catalogue_provider = 'openai'
      AND mp.catalogue_model = c.model
    ORDER BY mp.source_version DESC, mp.price_variant DESC
    LIMIT 1
) AS p ON TRUE
