-- Benchmark data: two LLM generations (in the generation node) of each workflow run with an
-- id in %(first_id)s..%(last_id)s; three models, one of them
-- unpriced; priced here from the catalogue's flat rates (bulk data, not the package's path).
INSERT INTO generations (
    workflow_id,
    node_id,
    model_name,
    model_provider,
    user_prompt,
    output,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    latency_ms,
    created_at,
    computed_cost,
    pricing_id
)
SELECT
    g.workflow_id,
    g.node_id,
    g.model_name,
    g.model_provider,
    'Suggest places',
    'A generated itinerary',
    g.prompt_tokens,
    g.completion_tokens,
    g.prompt_tokens + g.completion_tokens,
    g.latency_ms,
    g.created_at,
    (g.prompt_tokens * p.input_per_1m + g.completion_tokens * p.output_per_1m) / 1000000,
    p.id
FROM (
    SELECT
        n.workflow_id,
        n.id AS node_id,
        (ARRAY['llama3.2', 'gpt-4o', 'gpt-3.5-turbo'])[1 + (n.id + k.k) %% 3] AS model_name,
        (ARRAY['ollama', 'openai', 'openai'])[1 + (n.id + k.k) %% 3] AS model_provider,
        300 + (n.id * 11 + k.k) %% 2000 AS prompt_tokens,
        80 + (n.id * 7 + k.k) %% 900 AS completion_tokens,
        (200 + (n.id * 13 + k.k) %% 4000)::INTEGER AS latency_ms,
        n.created_at + make_interval(secs => k.k) AS created_at
    FROM nodes AS n
    CROSS JOIN generate_series(1, 2) AS k (k)
    WHERE n.workflow_id BETWEEN %(first_id)s AND %(last_id)s
      AND n.execution_order = 3
) AS g
LEFT JOIN LATERAL (
    SELECT
        mp.id,
        mp.input_per_1m,
        mp.output_per_1m
    FROM model_pricing AS mp
    WHERE mp.source = 'genai-prices'
      AND g.model_provider = 'openai'
      AND mp.catalogue_provider = 'openai'
      AND mp.catalogue_model = g.model_name
    ORDER BY mp.source_version DESC, mp.price_variant DESC
    LIMIT 1
) AS p ON TRUE
