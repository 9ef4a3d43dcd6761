-- Document 004's GET /history (the ORM query, no filter).
SELECT id, issue_key, issue_summary, status, branch_name, pr_url, created_at, started_at,
    completed_at, processing_duration_seconds, modified_files_count, error_message
FROM issue_processing_history
ORDER BY created_at DESC
LIMIT %(limit)s;
