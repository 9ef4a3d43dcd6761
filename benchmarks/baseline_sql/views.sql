-- Document 004's three views exactly as written (section "5. 유용한 뷰"), created in schema
-- doc004 over the same tables, so the benchmark can run the document's SQL as written
-- next to ours on the same rows.
CREATE SCHEMA IF NOT EXISTS doc004;

SET search_path = public;

CREATE OR REPLACE VIEW doc004.v_processing_stats AS
SELECT
    DATE(created_at) as date,
    COUNT(*) as total_issues,
    COUNT(*) FILTER (WHERE status = 'completed') as completed,
    COUNT(*) FILTER (WHERE status = 'failed') as failed,
    COUNT(*) FILTER (WHERE status = 'processing') as processing,
    ROUND(100.0 * COUNT(*) FILTER (WHERE status = 'completed') / COUNT(*), 2) as success_rate,
    ROUND(AVG(processing_duration_seconds) FILTER (WHERE status = 'completed'), 2) as avg_duration,
    SUM(modified_files_count) FILTER (WHERE status = 'completed') as total_files_modified
FROM issue_processing_history
GROUP BY DATE(created_at);

CREATE OR REPLACE VIEW doc004.v_llm_cost_daily AS
SELECT
    DATE(created_at) as date,
    call_type,
    COUNT(*) as total_calls,
    COUNT(*) FILTER (WHERE cache_hit = true) as cache_hits,
    ROUND(100.0 * COUNT(*) FILTER (WHERE cache_hit = true) / COUNT(*), 2) as cache_hit_rate,
    SUM(total_tokens) as total_tokens,
    ROUND(SUM(estimated_cost), 2) as total_cost
FROM llm_call_history
GROUP BY DATE(created_at), call_type;

CREATE OR REPLACE VIEW doc004.v_recent_issues AS
SELECT
    iph.issue_key,
    iph.issue_summary,
    iph.status,
    iph.branch_name,
    iph.pr_url,
    iph.created_at,
    iph.processing_duration_seconds,
    iph.modified_files_count,
    COUNT(fmh.id) as file_count,
    COUNT(lch.id) as llm_call_count,
    SUM(lch.estimated_cost) as total_llm_cost
FROM issue_processing_history iph
LEFT JOIN file_modification_history fmh ON iph.id = fmh.history_id
LEFT JOIN llm_call_history lch ON iph.id = lch.history_id
GROUP BY iph.id
ORDER BY iph.created_at DESC;
