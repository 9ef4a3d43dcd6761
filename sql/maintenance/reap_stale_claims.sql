-- Fail issue runs in 'processing' with no recorded activity for longer than the reaper's
-- timeout (the worker died or hung): status 'failed' frees the issue key
-- (uq_iph_active_issue_key) so it can be claimed again. Activity is the latest of the
-- claim (started_at, else created_at) and the run's last LLM call, API call and file
-- change, so a worker that keeps recording is never reaped however long it runs.
-- Only runs claimed before the cutoff are looked at (idx_iph_status); each one's last
-- records come from the history_id indexes of the three tables. The issue_key match is
-- the Citus distribution column (0040; every write path fills it): without it Citus
-- refuses the correlated subqueries as a join of non-co-located rows.
WITH candidates AS (
    SELECT
        iph.id,
        GREATEST(
            COALESCE(iph.started_at, iph.created_at),
            (SELECT max(c.created_at) FROM llm_call_history AS c
             WHERE c.history_id = iph.id AND c.issue_key = iph.issue_key),
            (SELECT max(a.created_at) FROM bitbucket_api_history AS a
             WHERE a.history_id = iph.id AND a.issue_key = iph.issue_key),
            (SELECT max(f.created_at) FROM file_modification_history AS f
             WHERE f.history_id = iph.id AND f.issue_key = iph.issue_key)
        ) AS last_activity_at
    FROM issue_processing_history AS iph
    WHERE iph.status = 'processing'
      AND COALESCE(iph.started_at, iph.created_at)
          < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
)
UPDATE issue_processing_history AS iph
SET
    status = 'failed',
    error_message = %(error_message)s,
    completed_at = %(now)s::TIMESTAMPTZ,
    processing_duration_seconds = GREATEST(
        0,
        floor(EXTRACT(EPOCH FROM %(now)s::TIMESTAMPTZ - COALESCE(iph.started_at, iph.created_at)))
    )::INTEGER
FROM candidates
WHERE iph.id = candidates.id
  AND iph.status = 'processing'
  AND candidates.last_activity_at
      < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
RETURNING iph.id, iph.issue_key, candidates.last_activity_at
