-- The statistics views of document 004, as plain SQL a DBA can query.
-- Divisions are guarded with NULLIF, and v_recent_issues aggregates each
-- child table separately so its counts and sums are exact.
--
-- The day of a row is DATE(created_at) of a timestamptz, which is taken in
-- the session's TimeZone setting: two sessions with different TimeZone
-- settings may see different days. Set TimeZone (e.g. to UTC) for
-- reproducible reports.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): CREATE VIEW: catalog rows
-- only (ACCESS SHARE on the tables read): milliseconds.
-- depends: 0004_create_partition_functions

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

CREATE VIEW v_processing_stats AS
SELECT
    DATE(iph.created_at) AS date,
    COUNT(*) AS total_issues,
    COUNT(*) FILTER (WHERE iph.status = 'completed') AS completed,
    COUNT(*) FILTER (WHERE iph.status = 'failed') AS failed,
    COUNT(*) FILTER (WHERE iph.status = 'processing') AS processing,
    ROUND(100.0 * COUNT(*) FILTER (WHERE iph.status = 'completed') / NULLIF(COUNT(*), 0), 2) AS success_rate,
    ROUND(AVG(iph.processing_duration_seconds) FILTER (WHERE iph.status = 'completed'), 2) AS avg_duration,
    SUM(iph.modified_files_count) FILTER (WHERE iph.status = 'completed') AS total_files_modified,
    COUNT(*) FILTER (WHERE iph.status = 'queued') AS queued
FROM issue_processing_history AS iph
GROUP BY DATE(iph.created_at);

COMMENT ON VIEW v_processing_stats IS
    'Issue processing per day: counts by status, success rate (% of all runs of the day that completed), '
    'average duration and files modified of completed runs. The day is DATE(created_at) in the session TimeZone.';
COMMENT ON COLUMN v_processing_stats.success_rate IS 'Percentage (0-100, 2 decimals) of the day''s runs that completed.';
COMMENT ON COLUMN v_processing_stats.avg_duration IS 'Average processing_duration_seconds of the day''s completed runs.';
COMMENT ON COLUMN v_processing_stats.queued IS 'Runs still queued (not in document 004; completes the status breakdown).';

CREATE VIEW v_llm_cost_daily AS
SELECT
    DATE(lch.created_at) AS date,
    lch.call_type,
    COUNT(*) AS total_calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    ROUND(100.0 * COUNT(*) FILTER (WHERE lch.cache_hit) / NULLIF(COUNT(*), 0), 2) AS cache_hit_rate,
    SUM(lch.total_tokens) AS total_tokens,
    SUM(lch.estimated_cost) AS total_cost,
    COUNT(*) FILTER (WHERE lch.estimated_cost IS NULL) AS unpriced_calls
FROM llm_call_history AS lch
GROUP BY DATE(lch.created_at), lch.call_type;

COMMENT ON VIEW v_llm_cost_daily IS
    'LLM calls per day and call type: calls, cache hits, tokens and cost. The day is DATE(created_at) '
    'in the session TimeZone.';
COMMENT ON COLUMN v_llm_cost_daily.cache_hit_rate IS 'Percentage (0-100, 2 decimals) of calls answered by the application cache.';
COMMENT ON COLUMN v_llm_cost_daily.total_cost IS
    'Sum of estimated_cost in USD, unrounded (document 004 rounded to cents). Calls with no price are not in it: see unpriced_calls.';
COMMENT ON COLUMN v_llm_cost_daily.unpriced_calls IS 'Calls with a NULL estimated_cost (unknown model and no provided cost).';

-- Document 004 joined both child tables to the run and grouped once, which
-- multiplies rows: a run with 3 files and 2 LLM calls gave file_count 6,
-- llm_call_count 6 and three times the cost. Each child is aggregated
-- separately here, per run, in a LATERAL subquery, so the figures are exact,
-- and a query with LIMIT only aggregates the runs it returns.
CREATE VIEW v_recent_issues AS
SELECT
    iph.id,
    iph.issue_key,
    iph.issue_summary,
    iph.status,
    iph.branch_name,
    iph.pr_url,
    iph.created_at,
    iph.processing_duration_seconds,
    iph.modified_files_count,
    files.file_count,
    llm.llm_call_count,
    llm.total_llm_cost,
    llm.unpriced_llm_call_count
FROM issue_processing_history AS iph
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS file_count
    FROM file_modification_history AS fmh
    WHERE fmh.history_id = iph.id
) AS files
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS llm_call_count,
        SUM(lch.estimated_cost) AS total_llm_cost,
        COUNT(*) FILTER (WHERE lch.estimated_cost IS NULL) AS unpriced_llm_call_count
    FROM llm_call_history AS lch
    WHERE lch.history_id = iph.id
) AS llm
ORDER BY iph.created_at DESC, iph.id DESC;

COMMENT ON VIEW v_recent_issues IS
    'Issue processing runs, newest first, with their recorded file changes, LLM calls and LLM cost. '
    'Each child table is aggregated per run on its own, so nothing is multiplied by a join.';
COMMENT ON COLUMN v_recent_issues.file_count IS 'Rows in file_modification_history for the run.';
COMMENT ON COLUMN v_recent_issues.llm_call_count IS 'Rows in llm_call_history for the run.';
COMMENT ON COLUMN v_recent_issues.total_llm_cost IS
    'Sum of estimated_cost of the run''s LLM calls in USD; NULL when it has none or none is priced.';
COMMENT ON COLUMN v_recent_issues.unpriced_llm_call_count IS 'LLM calls of the run with a NULL estimated_cost (not in document 004).';
