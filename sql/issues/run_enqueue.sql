-- Record an issue as queued, unless the key already has a queued, processing or
-- completed row (uq_iph_active_issue_key); then return that row instead, in the same
-- statement. A later issues/run_claim takes the queued row over.
WITH inserted AS (
    INSERT INTO issue_processing_history (
        issue_key,
        issue_summary,
        status,
        issue_data
    )
    VALUES (
        %(issue_key)s,
        %(issue_summary)s,
        'queued',
        %(issue_data)s
    )
    ON CONFLICT (issue_key) WHERE status IN ('queued', 'processing', 'completed')
    DO NOTHING
    RETURNING id, status, created_at, started_at, completed_at, pr_url
)
SELECT
    TRUE AS acquired,
    id,
    status,
    created_at,
    started_at,
    completed_at,
    pr_url
FROM inserted
UNION ALL
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
  AND NOT EXISTS (SELECT 1 FROM inserted)
