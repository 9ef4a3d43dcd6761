-- Scaling benchmark: %(runs)s finished issue runs spread over the last 30 days, the load
-- the dashboard is read against (one in five failed). Keys LOAD-<base>-<n> are new.
INSERT INTO issue_processing_history (
    issue_key,
    status,
    created_at,
    completed_at,
    processing_duration_seconds,
    modified_files_count
)
SELECT
    'LOAD-' || %(base)s || '-' || g,
    CASE WHEN g %% 5 = 0 THEN 'failed' ELSE 'completed' END,
    now() - (g %% 30) * INTERVAL '1 day',
    now() - (g %% 30) * INTERVAL '1 day' + INTERVAL '1 minute',
    60,
    3
FROM generate_series(1, %(runs)s) AS g
