-- One run with its LLM cost summed on its own (document 004's GET /history/<id>); its
-- files and calls are read by issues/run_files, run_llm_calls and run_api_calls.
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
    iph.error_message,
    iph.result_data,
    llm.total_llm_cost,
    llm.unpriced_llm_calls
FROM issue_processing_history AS iph
CROSS JOIN LATERAL (
    SELECT
        COALESCE(SUM(lch.estimated_cost), 0) AS total_llm_cost,
        COUNT(*) FILTER (WHERE lch.estimated_cost IS NULL) AS unpriced_llm_calls
    FROM llm_call_history AS lch
    WHERE lch.history_id = iph.id
) AS llm
WHERE iph.id = %(history_id)s
