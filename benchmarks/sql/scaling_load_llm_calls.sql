-- Scaling benchmark: 20 LLM calls for each run loaded by scaling_load_runs, priced in the
-- statement (the benchmark disables the pricing trigger for this bulk load on both the
-- single node and the cluster). On Citus both tables are distributed on issue_key and
-- co-located, so this INSERT ... SELECT runs on every shard at once.
INSERT INTO llm_call_history (
    issue_key,
    history_id,
    call_type,
    model,
    prompt_tokens,
    completion_tokens,
    total_tokens,
    computed_cost,
    created_at
)
SELECT
    iph.issue_key,
    iph.id,
    'code_diff',
    CASE WHEN c %% 3 = 0 THEN 'gpt-3.5-turbo' ELSE 'gpt-4o' END,
    1200,
    300,
    1500,
    CASE WHEN c %% 3 = 0 THEN 0.001050 ELSE 0.010500 END,
    iph.created_at + c * INTERVAL '1 second'
FROM issue_processing_history AS iph
CROSS JOIN generate_series(1, 20) AS c
WHERE iph.issue_key LIKE 'LOAD-' || %(base)s || '-%%'
