-- The active (queued, processing or completed) row of an issue key: read in a new
-- statement after a claim or enqueue lost a race, so a row committed meanwhile is seen.
SELECT
    FALSE AS acquired,
    iph.id,
    iph.status,
    iph.created_at,
    iph.started_at,
    iph.completed_at,
    iph.pr_url
FROM issue_processing_history AS iph
WHERE iph.issue_key = %(issue_key)s
  AND iph.status IN ('queued', 'processing', 'completed')
