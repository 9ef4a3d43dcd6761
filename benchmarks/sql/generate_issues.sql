-- Benchmark data: issue runs %(first)s..%(last)s of %(total)s, spread evenly over the year
-- before %(anchor)s. 80%% completed (10%% of them no_changes), 12%% failed, 4%% processing,
-- 4%% queued; durations 30 s to 30 min; five failure messages.
INSERT INTO issue_processing_history (
    issue_key,
    issue_summary,
    status,
    branch_name,
    pr_url,
    created_at,
    started_at,
    completed_at,
    processing_duration_seconds,
    modified_files_count,
    error_message,
    issue_data,
    result_data
)
SELECT
    'BENCH-' || g.i,
    'Generated issue ' || g.i,
    s.status,
    'feature/bench-' || g.i,
    CASE WHEN s.status = 'completed' THEN 'https://bitbucket.example/pr/' || g.i END,
    c.created_at,
    c.created_at + INTERVAL '5 seconds',
    CASE
        WHEN s.status IN ('completed', 'failed')
        THEN c.created_at + INTERVAL '5 seconds' + make_interval(secs => d.duration)
    END,
    CASE WHEN s.status IN ('completed', 'failed') THEN d.duration END,
    g.i %% 6,
    CASE
        WHEN s.status = 'failed'
        THEN (ARRAY[
            'LLM timeout after 120s',
            'Bitbucket API 429 Too Many Requests',
            'Merge conflict on branch',
            'Invalid diff produced by model',
            'Repository clone failed'
        ])[1 + g.i %% 5]
    END,
    jsonb_build_object('key', 'BENCH-' || g.i, 'priority', g.i %% 4),
    CASE
        WHEN s.status = 'completed'
        THEN jsonb_build_object('status', CASE WHEN g.i %% 10 = 0 THEN 'no_changes' ELSE 'success' END)
    END
FROM generate_series(%(first)s::BIGINT, %(last)s::BIGINT) AS g (i)
CROSS JOIN LATERAL (
    SELECT %(anchor)s::TIMESTAMPTZ - INTERVAL '365 days'
        + INTERVAL '365 days' * (g.i - 1) / %(total)s::BIGINT AS created_at
) AS c
CROSS JOIN LATERAL (
    SELECT
        CASE
            WHEN (g.i * 37) %% 100 < 80 THEN 'completed'
            WHEN (g.i * 37) %% 100 < 92 THEN 'failed'
            WHEN (g.i * 37) %% 100 < 96 THEN 'processing'
            ELSE 'queued'
        END AS status
) AS s
CROSS JOIN LATERAL (
    SELECT (30 + (g.i * 7919) %% 1800)::INTEGER AS duration
) AS d
