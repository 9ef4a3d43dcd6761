-- Claim an issue key for processing, race-free, in ONE statement: take over a queued
-- row for the key, else insert a processing row (ON CONFLICT DO NOTHING against
-- uq_iph_active_issue_key), else return the processing or completed row that blocks the
-- claim. A row committed by a concurrent claimer after this statement's snapshot is
-- invisible to the last branch; the caller then reads it with issues/run_claim_existing.
WITH taken AS (
    UPDATE issue_processing_history
    SET
        status = 'processing',
        started_at = now(),
        issue_summary = COALESCE(%(issue_summary)s, issue_summary),
        issue_data = COALESCE(%(issue_data)s, issue_data)
    WHERE issue_key = %(issue_key)s
      AND status = 'queued'
    RETURNING id, status, created_at, started_at, completed_at, pr_url
),
inserted AS (
    INSERT INTO issue_processing_history (
        issue_key,
        issue_summary,
        status,
        started_at,
        issue_data
    )
    SELECT
        %(issue_key)s,
        %(issue_summary)s,
        'processing',
        now(),
        %(issue_data)s
    WHERE NOT EXISTS (SELECT 1 FROM taken)
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
FROM taken
UNION ALL
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
  AND iph.status IN ('processing', 'completed')
  AND NOT EXISTS (SELECT 1 FROM taken)
  AND NOT EXISTS (SELECT 1 FROM inserted)
