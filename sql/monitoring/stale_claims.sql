-- Issue runs in 'processing' and workflows 'running' with no progress for longer than the
-- reaper's timeout: what the reaper will fail on its next run.
SELECT
    'issue' AS kind,
    id,
    issue_key AS name,
    COALESCE(started_at, created_at) AS since,
    %(now)s::TIMESTAMPTZ - COALESCE(started_at, created_at) AS age
FROM issue_processing_history
WHERE status = 'processing'
  AND COALESCE(started_at, created_at) < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
UNION ALL
SELECT
    'workflow' AS kind,
    id,
    user_input AS name,
    updated_at AS since,
    %(now)s::TIMESTAMPTZ - updated_at AS age
FROM workflows
WHERE status = 'running'
  AND updated_at < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
ORDER BY since
LIMIT %(limit)s
