-- Statistics views of the workflow log (document 000), as plain SQL a DBA can
-- query: node performance, LLM usage per day/model/provider, and workflow runs
-- per day and status. Each view reads a single table, so no join multiplies
-- its sums.
--
-- As in 0005, the day of a row is DATE(created_at) in the session's TimeZone
-- setting; set TimeZone (e.g. to UTC) for reproducible reports.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): CREATE VIEW: catalog rows
-- only: milliseconds.
-- depends: 0006_create_job_runs

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

CREATE VIEW v_node_performance AS
SELECT
    n.node_name,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE n.status = 'completed') AS completed,
    COUNT(*) FILTER (WHERE n.status = 'failed') AS failures,
    ROUND(100.0 * COUNT(*) FILTER (WHERE n.status = 'failed') / NULLIF(COUNT(*), 0), 2) AS failure_rate,
    ROUND(AVG(n.duration_ms), 1) AS avg_duration_ms,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY n.duration_ms) AS p50_duration_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY n.duration_ms) AS p95_duration_ms,
    MAX(n.duration_ms) AS max_duration_ms,
    MAX(n.created_at) AS last_run_at
FROM nodes AS n
GROUP BY n.node_name;

COMMENT ON VIEW v_node_performance IS
    'Node executions per node_name: calls, completions, failures, and duration statistics '
    '(milliseconds) over the executions that have a duration (completed or failed).';
COMMENT ON COLUMN v_node_performance.calls IS 'Executions of the node, any status (running ones included).';
COMMENT ON COLUMN v_node_performance.failures IS 'Executions that ended failed.';
COMMENT ON COLUMN v_node_performance.failure_rate IS 'Percentage (0-100, 2 decimals) of executions that failed.';
COMMENT ON COLUMN v_node_performance.p50_duration_ms IS 'Median duration_ms (continuous percentile), NULLs ignored.';
COMMENT ON COLUMN v_node_performance.p95_duration_ms IS '95th percentile of duration_ms (continuous), NULLs ignored.';

CREATE VIEW v_generation_usage_daily AS
SELECT
    DATE(g.created_at) AS date,
    g.model_name,
    g.model_provider,
    COUNT(*) AS calls,
    SUM(g.prompt_tokens) AS prompt_tokens,
    SUM(g.cached_input_tokens) AS cached_input_tokens,
    SUM(g.completion_tokens) AS completion_tokens,
    SUM(g.reasoning_tokens) AS reasoning_tokens,
    SUM(g.total_tokens) AS total_tokens,
    SUM(g.estimated_cost) AS total_cost,
    COUNT(*) FILTER (WHERE g.estimated_cost IS NULL) AS unpriced_calls,
    ROUND(AVG(g.latency_ms), 1) AS avg_latency_ms
FROM generations AS g
GROUP BY DATE(g.created_at), g.model_name, g.model_provider;

COMMENT ON VIEW v_generation_usage_daily IS
    'LLM generations of workflow runs per day, model and provider: calls, tokens, cost and '
    'average latency. The day is DATE(created_at) in the session TimeZone.';
COMMENT ON COLUMN v_generation_usage_daily.total_cost IS
    'Sum of estimated_cost in USD. Calls with no price are not in it: see unpriced_calls.';
COMMENT ON COLUMN v_generation_usage_daily.unpriced_calls IS
    'Generations with a NULL estimated_cost (unknown model and no provided cost).';
COMMENT ON COLUMN v_generation_usage_daily.avg_latency_ms IS 'Average latency_ms of the calls that reported one.';

CREATE VIEW v_workflows_daily AS
SELECT
    DATE(w.created_at) AS date,
    w.status,
    COUNT(*) AS workflows,
    COUNT(DISTINCT w.user_id) AS users,
    ROUND(AVG(EXTRACT(EPOCH FROM (w.completed_at - w.created_at)))::NUMERIC, 3) AS avg_duration_seconds
FROM workflows AS w
GROUP BY DATE(w.created_at), w.status;

COMMENT ON VIEW v_workflows_daily IS
    'Workflow runs per day (of created_at, session TimeZone) and status.';
COMMENT ON COLUMN v_workflows_daily.avg_duration_seconds IS
    'Average seconds from created_at to completed_at of the finished runs (NULL while all are running).';
