-- One run with its LLM cost (NULL when no call is priced) and its calls counted as
-- priced / unpriced (no price) / unknown usage (no token count).
-- One run with its LLM cost summed on its own (document 004's GET /history/<id>); its
-- files and calls are read by issues/run_files, run_llm_calls and run_api_calls.
-- The run and its LLM cost as two independent reads joined at the end, not a LATERAL
-- correlated on history_id: on a Citus cluster a correlated join that is not on the
-- distribution column is refused, and both reads are by the run id anyway.
WITH run AS (
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
        iph.result_data
    FROM issue_processing_history AS iph
    WHERE iph.id = %(history_id)s
),
llm AS (
    SELECT
        SUM(lch.estimated_cost) AS total_llm_cost,
        COUNT(lch.estimated_cost) AS priced_llm_calls,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND (lch.prompt_tokens IS NOT NULL OR lch.completion_tokens IS NOT NULL)
        ) AS unpriced_llm_calls,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_llm_calls
    FROM llm_call_history AS lch
    WHERE lch.history_id = %(history_id)s
)
SELECT
    run.id,
    run.issue_key,
    run.issue_summary,
    run.status,
    run.branch_name,
    run.pr_url,
    run.created_at,
    run.started_at,
    run.completed_at,
    run.duration,
    run.modified_files_count,
    run.error_message,
    run.result_data,
    llm.total_llm_cost,
    llm.priced_llm_calls,
    llm.unpriced_llm_calls,
    llm.unknown_usage_llm_calls
FROM run
CROSS JOIN llm
