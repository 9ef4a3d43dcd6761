-- Benchmark data: the four nodes of each workflow run with an id in %(first_id)s..%(last_id)s.
INSERT INTO nodes (
    workflow_id,
    node_name,
    node_type,
    execution_order,
    status,
    started_at,
    completed_at,
    duration_ms,
    created_at
)
SELECT
    w.id,
    (ARRAY['analyze_user_input', 'search_places', 'generate_itinerary', 'route_plan'])[k.k],
    (ARRAY['analysis', 'search', 'generation', 'routing'])[k.k],
    k.k,
    CASE WHEN w.status = 'failed' AND k.k = 4 THEN 'failed' ELSE 'completed' END,
    w.created_at + make_interval(secs => k.k),
    w.created_at + make_interval(secs => k.k) + make_interval(secs => (w.id * k.k) %% 5000 / 1000.0),
    ((w.id * k.k) %% 5000)::INTEGER,
    w.created_at + make_interval(secs => k.k)
FROM workflows AS w
CROSS JOIN generate_series(1, 4) AS k (k)
WHERE w.id BETWEEN %(first_id)s AND %(last_id)s
