-- Issue runs in 'processing' and workflows 'running' with no recorded activity for longer
-- than the reaper's timeout: what the reaper will fail on its next run (same rules as
-- maintenance/reap_stale_claims and maintenance/reap_stale_workflows). `since` is the
-- last recorded activity.
WITH cutoff AS (
    SELECT %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s) AS at
),
issues AS (
    SELECT
        iph.id,
        iph.issue_key,
        GREATEST(
            COALESCE(iph.started_at, iph.created_at),
            (SELECT max(c.created_at) FROM llm_call_history AS c WHERE c.history_id = iph.id),
            (SELECT max(a.created_at) FROM bitbucket_api_history AS a WHERE a.history_id = iph.id),
            (SELECT max(f.created_at) FROM file_modification_history AS f WHERE f.history_id = iph.id)
        ) AS since
    FROM issue_processing_history AS iph, cutoff
    WHERE iph.status = 'processing'
      AND COALESCE(iph.started_at, iph.created_at) < cutoff.at
),
running AS (
    SELECT
        w.id,
        w.user_input,
        GREATEST(
            w.updated_at,
            (
                SELECT max(GREATEST(n.created_at, n.started_at, n.completed_at))
                FROM nodes AS n
                WHERE n.workflow_id = w.id
            ),
            (SELECT max(g.created_at) FROM generations AS g WHERE g.workflow_id = w.id)
        ) AS since
    FROM workflows AS w, cutoff
    WHERE w.status = 'running'
      AND w.updated_at < cutoff.at
)
SELECT
    'issue' AS kind,
    issues.id,
    issues.issue_key AS name,
    issues.since,
    %(now)s::TIMESTAMPTZ - issues.since AS age
FROM issues, cutoff
WHERE issues.since < cutoff.at
UNION ALL
SELECT
    'workflow' AS kind,
    running.id,
    running.user_input AS name,
    running.since,
    %(now)s::TIMESTAMPTZ - running.since AS age
FROM running, cutoff
WHERE running.since < cutoff.at
ORDER BY since
LIMIT %(limit)s
