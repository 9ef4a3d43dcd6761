-- Benchmark data: one Bitbucket API call for each run with an id in %(first_id)s..%(last_id)s;
-- 2%% of them rate-limited (429).
INSERT INTO bitbucket_api_history (
    history_id,
    api_method,
    endpoint,
    status_code,
    duration_seconds,
    created_at
)
SELECT
    iph.id,
    (ARRAY['GET', 'POST', 'PUT'])[1 + iph.id %% 3],
    '/repositories/bench/refs/branches',
    CASE WHEN iph.id %% 50 = 0 THEN 429 ELSE 200 END,
    (iph.id %% 900) / 1000.0,
    iph.created_at + INTERVAL '50 seconds'
FROM issue_processing_history AS iph
WHERE iph.id BETWEEN %(first_id)s AND %(last_id)s
