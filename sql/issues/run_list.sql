-- The history list (document 004's GET /history): newest runs first, optionally only
-- one status and/or one issue key.
SELECT
    iph.id,
    iph.issue_key,
    iph.issue_summary,
    iph.status,
    iph.branch_name,
    iph.pr_url,
    iph.created_at,
    iph.started_at,
    iph.completed_at,
    iph.processing_duration_seconds AS duration,
    iph.modified_files_count,
    iph.error_message
FROM issue_processing_history AS iph
WHERE (%(status)s::TEXT IS NULL OR iph.status = %(status)s::TEXT)
  AND (%(issue_key)s::TEXT IS NULL OR iph.issue_key = %(issue_key)s::TEXT)
ORDER BY
    iph.created_at DESC,
    iph.id DESC
LIMIT %(limit)s
