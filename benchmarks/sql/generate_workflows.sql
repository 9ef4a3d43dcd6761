-- Benchmark data: workflow runs %(first)s..%(last)s of %(total)s over the year before
-- %(anchor)s, for the users with ids from %(first_user)s (%(users)s of them); 85%%
-- completed, 10%% failed, 5%% running.
INSERT INTO workflows (
    user_id,
    status,
    user_input,
    input_type,
    created_at,
    updated_at,
    completed_at,
    error_message
)
SELECT
    %(first_user)s::BIGINT + g.i %% %(users)s::INTEGER,
    s.status,
    'Plan a day in district ' || g.i %% 50,
    (ARRAY['region', 'specific_place'])[1 + g.i %% 2],
    c.created_at,
    c.created_at,
    CASE WHEN s.status <> 'running' THEN c.created_at + make_interval(secs => 5 + g.i %% 90) END,
    CASE WHEN s.status = 'failed' THEN 'search provider unavailable' END
FROM generate_series(%(first)s::BIGINT, %(last)s::BIGINT) AS g (i)
CROSS JOIN LATERAL (
    SELECT %(anchor)s::TIMESTAMPTZ - INTERVAL '365 days'
        + INTERVAL '365 days' * (g.i - 1) / %(total)s::BIGINT AS created_at
) AS c
CROSS JOIN LATERAL (
    SELECT
        CASE
            WHEN (g.i * 41) %% 100 < 85 THEN 'completed'
            WHEN (g.i * 41) %% 100 < 95 THEN 'failed'
            ELSE 'running'
        END AS status
) AS s
