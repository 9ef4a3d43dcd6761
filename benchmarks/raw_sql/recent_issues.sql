-- The package's v_recent_issues (0005: each child aggregated per run in a LATERAL
-- subquery), as a dashboard reads it.
SELECT
    id,
    issue_key,
    issue_summary,
    status,
    branch_name,
    pr_url,
    created_at,
    processing_duration_seconds,
    modified_files_count,
    file_count,
    llm_call_count,
    total_llm_cost,
    unpriced_llm_call_count
FROM v_recent_issues
LIMIT %(limit)s
