-- Benchmark data: two LLM generations (in the generation node) of each workflow run with an
-- id in %(first_id)s..%(last_id)s; three models, one of them unpriced.
INSERT INTO generations (
    workflow_id,
    node_id,
    model_name,
    model_provider,
    user_prompt,
    output,
    prompt_tokens,
    completion_tokens,
    latency_ms,
    created_at
)
SELECT
    n.workflow_id,
    n.id,
    (ARRAY['llama3.2', 'gpt-4o', 'gpt-3.5-turbo'])[1 + (n.id + k.k) %% 3],
    (ARRAY['ollama', 'openai', 'openai'])[1 + (n.id + k.k) %% 3],
    'Suggest places',
    'A generated itinerary',
    300 + (n.id * 11 + k.k) %% 2000,
    80 + (n.id * 7 + k.k) %% 900,
    (200 + (n.id * 13 + k.k) %% 4000)::INTEGER,
    n.created_at + make_interval(secs => k.k)
FROM nodes AS n
CROSS JOIN generate_series(1, 2) AS k (k)
WHERE n.workflow_id BETWEEN %(first_id)s AND %(last_id)s
  AND n.execution_order = 3
