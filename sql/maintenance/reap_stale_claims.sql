-- Fail issue runs stuck in 'processing' longer than the reaper's timeout (the worker died or
-- hung): status 'failed' frees the issue key (uq_iph_active_issue_key) so it can be claimed
-- again. Age counts from started_at, else created_at.
UPDATE issue_processing_history
SET
    status = 'failed',
    error_message = %(error_message)s,
    completed_at = %(now)s::TIMESTAMPTZ,
    processing_duration_seconds = GREATEST(
        0,
        floor(EXTRACT(EPOCH FROM %(now)s::TIMESTAMPTZ - COALESCE(started_at, created_at)))
    )::INTEGER
WHERE status = 'processing'
  AND COALESCE(started_at, created_at) < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
RETURNING id, issue_key
