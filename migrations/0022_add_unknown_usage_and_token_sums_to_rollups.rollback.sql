-- Back to the rollups and raw views of 0010/0005/0007 without unknown_usage_calls and the
-- token sums: the views are dropped and recreated (a view cannot lose a column otherwise), then the
-- columns dropped. Locks: ACCESS EXCLUSIVE on the views and on the two small rollup
-- tables until commit (milliseconds); llm_call_history and generations are not touched.
-- The markers the migration wrote stay: the next refresh folds them in.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

SELECT pg_advisory_xact_lock(hashtext('pfr_rollup_refresh'));

DROP VIEW v_llm_calls_hourly;
DROP VIEW v_llm_calls_daily;
DROP VIEW v_llm_cost_daily;
DROP VIEW v_recent_issues;
DROP VIEW v_generation_usage_daily;

CREATE OR REPLACE FUNCTION pfr_rollup_refresh()
RETURNS TABLE (rollup TEXT, buckets BIGINT)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_hours TIMESTAMPTZ[];
    v_days DATE[];
    v_paths TEXT[];
BEGIN
    -- Two refreshes at once could write a bucket from an older snapshot last.
    PERFORM pg_advisory_xact_lock(hashtext('pfr_rollup_refresh'));

    -- A monthly partition of llm_call_history that is gone: recompute its hours (rows of
    -- them may remain in the default partition). The default partition gone: every hour.
    INSERT INTO rollup_dirty_llm_call_hours (hour)
    SELECT generate_series(rp.lower_bound, rp.upper_bound - INTERVAL '1 hour', INTERVAL '1 hour')
    FROM rollup_partitions AS rp
    WHERE rp.parent_table = 'llm_call_history'
      AND rp.lower_bound IS NOT NULL
      AND rp.partition_oid NOT IN (
        SELECT cp.partition_oid
        FROM pfr_rollup_current_partitions('llm_call_history') AS cp
    );

    INSERT INTO rollup_dirty_llm_call_hours (hour)
    SELECT lh.hour
    FROM llm_calls_hourly AS lh
    WHERE EXISTS (
        SELECT 1
        FROM rollup_partitions AS rp
        WHERE rp.parent_table = 'llm_call_history'
          AND rp.lower_bound IS NULL
          AND rp.partition_oid NOT IN (
            SELECT cp.partition_oid
            FROM pfr_rollup_current_partitions('llm_call_history') AS cp
        )
    );

    -- Any partition of file_modification_history gone: every path is recomputed.
    -- (Paths of the raw rows too: on the first fill the totals are still empty.)
    IF NOT pfr_rollup_partitions_intact('file_modification_history') THEN
        INSERT INTO rollup_dirty_files (file_path)
        SELECT fmt.file_path
        FROM file_modification_totals AS fmt
        UNION
        SELECT fmh.file_path
        FROM file_modification_history AS fmh;
    END IF;

    DELETE FROM rollup_partitions AS rp
    WHERE rp.parent_table IN ('llm_call_history', 'file_modification_history');

    INSERT INTO rollup_partitions (parent_table, partition_oid, partition_name, lower_bound, upper_bound)
    SELECT t.parent_table, cp.partition_oid, cp.partition_name, cp.lower_bound, cp.upper_bound
    FROM unnest(ARRAY['llm_call_history', 'file_modification_history']) AS t (parent_table)
    CROSS JOIN LATERAL pfr_rollup_current_partitions(t.parent_table::REGCLASS) AS cp;

    WITH taken AS (
        DELETE FROM rollup_dirty_issue_hours AS d
        RETURNING d.hour
    )
    SELECT COALESCE(array_agg(DISTINCT taken.hour), '{}')
    INTO v_hours
    FROM taken;

    DELETE FROM issues_hourly AS ih
    WHERE ih.hour = ANY (v_hours);

    INSERT INTO issues_hourly (hour, status, runs, no_changes, duration_count, duration_sum, files_count, files_sum)
    SELECT
        date_trunc('hour', iph.created_at, 'UTC'),
        iph.status,
        COUNT(*),
        COUNT(*) FILTER (WHERE iph.result_data ->> 'status' = 'no_changes'),
        COUNT(iph.processing_duration_seconds),
        COALESCE(SUM(iph.processing_duration_seconds), 0),
        COUNT(iph.modified_files_count),
        COALESCE(SUM(iph.modified_files_count), 0)
    FROM unnest(v_hours) AS h (hour)
    JOIN issue_processing_history AS iph
        ON iph.created_at >= h.hour
       AND iph.created_at < h.hour + INTERVAL '1 hour'
    GROUP BY
        date_trunc('hour', iph.created_at, 'UTC'),
        iph.status;

    rollup := 'issues_hourly';
    buckets := cardinality(v_hours);
    RETURN NEXT;

    SELECT COALESCE(array_agg(DISTINCT (h.hour AT TIME ZONE 'UTC')::DATE), '{}')
    INTO v_days
    FROM unnest(v_hours) AS h (hour);

    DELETE FROM issues_daily AS idy
    WHERE idy.day = ANY (v_days);

    INSERT INTO issues_daily (day, status, runs, no_changes, duration_count, duration_sum, files_count, files_sum)
    SELECT
        (ih.hour AT TIME ZONE 'UTC')::DATE,
        ih.status,
        SUM(ih.runs),
        SUM(ih.no_changes),
        SUM(ih.duration_count),
        SUM(ih.duration_sum),
        SUM(ih.files_count),
        SUM(ih.files_sum)
    FROM unnest(v_days) AS d (day)
    JOIN issues_hourly AS ih
        ON ih.hour >= d.day::TIMESTAMP AT TIME ZONE 'UTC'
       AND ih.hour < (d.day + 1)::TIMESTAMP AT TIME ZONE 'UTC'
    GROUP BY
        (ih.hour AT TIME ZONE 'UTC')::DATE,
        ih.status;

    rollup := 'issues_daily';
    buckets := cardinality(v_days);
    RETURN NEXT;

    WITH taken AS (
        DELETE FROM rollup_dirty_llm_call_hours AS d
        RETURNING d.hour
    )
    SELECT COALESCE(array_agg(DISTINCT taken.hour), '{}')
    INTO v_hours
    FROM taken;

    DELETE FROM llm_calls_hourly AS lh
    WHERE lh.hour = ANY (v_hours);

    INSERT INTO llm_calls_hourly (hour, call_type, model, calls, cache_hits, tokens_count, tokens_sum, priced_calls, cost_sum)
    SELECT
        date_trunc('hour', lch.created_at, 'UTC'),
        lch.call_type,
        lch.model,
        COUNT(*),
        COUNT(*) FILTER (WHERE lch.cache_hit),
        COUNT(lch.total_tokens),
        COALESCE(SUM(lch.total_tokens), 0),
        COUNT(lch.estimated_cost),
        COALESCE(SUM(lch.estimated_cost), 0)
    FROM unnest(v_hours) AS h (hour)
    JOIN llm_call_history AS lch
        ON lch.created_at >= h.hour
       AND lch.created_at < h.hour + INTERVAL '1 hour'
    GROUP BY
        date_trunc('hour', lch.created_at, 'UTC'),
        lch.call_type,
        lch.model;

    rollup := 'llm_calls_hourly';
    buckets := cardinality(v_hours);
    RETURN NEXT;

    SELECT COALESCE(array_agg(DISTINCT (h.hour AT TIME ZONE 'UTC')::DATE), '{}')
    INTO v_days
    FROM unnest(v_hours) AS h (hour);

    DELETE FROM llm_calls_daily AS ld
    WHERE ld.day = ANY (v_days);

    INSERT INTO llm_calls_daily (day, call_type, model, calls, cache_hits, tokens_count, tokens_sum, priced_calls, cost_sum)
    SELECT
        (lh.hour AT TIME ZONE 'UTC')::DATE,
        lh.call_type,
        lh.model,
        SUM(lh.calls),
        SUM(lh.cache_hits),
        SUM(lh.tokens_count),
        SUM(lh.tokens_sum),
        SUM(lh.priced_calls),
        SUM(lh.cost_sum)
    FROM unnest(v_days) AS d (day)
    JOIN llm_calls_hourly AS lh
        ON lh.hour >= d.day::TIMESTAMP AT TIME ZONE 'UTC'
       AND lh.hour < (d.day + 1)::TIMESTAMP AT TIME ZONE 'UTC'
    GROUP BY
        (lh.hour AT TIME ZONE 'UTC')::DATE,
        lh.call_type,
        lh.model;

    rollup := 'llm_calls_daily';
    buckets := cardinality(v_days);
    RETURN NEXT;

    WITH taken AS (
        DELETE FROM rollup_dirty_files AS d
        RETURNING d.file_path
    )
    SELECT COALESCE(array_agg(DISTINCT taken.file_path::TEXT), '{}')
    INTO v_paths
    FROM taken;

    DELETE FROM file_modification_totals AS fmt
    WHERE fmt.file_path = ANY (v_paths);

    INSERT INTO file_modification_totals (file_path, modification_count, unique_issues, last_modified)
    SELECT
        fmh.file_path,
        COUNT(*),
        COUNT(DISTINCT fmh.history_id),
        MAX(fmh.created_at)
    FROM file_modification_history AS fmh
    WHERE fmh.file_path = ANY (v_paths)
    GROUP BY fmh.file_path;

    rollup := 'file_modification_totals';
    buckets := cardinality(v_paths);
    RETURN NEXT;

    WITH taken AS (
        DELETE FROM rollup_dirty_node_durations AS ndd
        RETURNING ndd.node_name, ndd.status, ndd.duration_ms, ndd.runs
    ),
    summed AS (
        SELECT taken.node_name, taken.status, taken.duration_ms, SUM(taken.runs) AS runs
        FROM taken
        GROUP BY taken.node_name, taken.status, taken.duration_ms
    )
    INSERT INTO node_duration_counts AS ndc (node_name, status, duration_ms, runs)
    SELECT summed.node_name, summed.status, summed.duration_ms, summed.runs
    FROM summed
    ON CONFLICT (node_name, status, duration_ms)
    DO UPDATE SET runs = ndc.runs + EXCLUDED.runs;

    GET DIAGNOSTICS buckets = ROW_COUNT;

    DELETE FROM node_duration_counts AS ndc
    WHERE ndc.runs = 0;

    rollup := 'node_duration_counts';
    RETURN NEXT;
END;
$$;

ALTER TABLE llm_calls_hourly
    DROP COLUMN unknown_usage_calls,
    DROP COLUMN prompt_tokens_sum,
    DROP COLUMN cached_input_tokens_sum,
    DROP COLUMN cache_write_input_tokens_sum,
    DROP COLUMN completion_tokens_sum,
    DROP COLUMN reasoning_tokens_sum;
ALTER TABLE llm_calls_daily
    DROP COLUMN unknown_usage_calls,
    DROP COLUMN prompt_tokens_sum,
    DROP COLUMN cached_input_tokens_sum,
    DROP COLUMN cache_write_input_tokens_sum,
    DROP COLUMN completion_tokens_sum,
    DROP COLUMN reasoning_tokens_sum;

COMMENT ON COLUMN llm_calls_hourly.priced_calls IS 'Calls with an estimated_cost; calls - priced_calls are unpriced.';
COMMENT ON COLUMN llm_calls_daily.priced_calls IS NULL;

CREATE VIEW v_llm_calls_hourly AS
SELECT
    lh.hour,
    lh.call_type,
    lh.model,
    lh.calls,
    lh.cache_hits,
    lh.tokens_count,
    lh.tokens_sum,
    lh.priced_calls,
    lh.cost_sum
FROM llm_calls_hourly AS lh
WHERE (SELECT pfr_rollup_partitions_intact('llm_call_history'))
  AND NOT EXISTS (
    SELECT 1
    FROM rollup_dirty_llm_call_hours AS d
    WHERE d.hour = lh.hour
)
UNION ALL
SELECT
    dirty.hour,
    live.call_type,
    live.model,
    live.calls,
    live.cache_hits,
    live.tokens_count,
    live.tokens_sum,
    live.priced_calls,
    live.cost_sum
FROM (
    SELECT DISTINCT d.hour
    FROM rollup_dirty_llm_call_hours AS d
) AS dirty
CROSS JOIN LATERAL (
    SELECT
        lch.call_type,
        lch.model,
        COUNT(*) AS calls,
        COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
        COUNT(lch.total_tokens) AS tokens_count,
        COALESCE(SUM(lch.total_tokens), 0) AS tokens_sum,
        COUNT(lch.estimated_cost) AS priced_calls,
        COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum
    FROM llm_call_history AS lch
    WHERE lch.created_at >= dirty.hour
      AND lch.created_at < dirty.hour + INTERVAL '1 hour'
    GROUP BY
        lch.call_type,
        lch.model
) AS live
WHERE (SELECT pfr_rollup_partitions_intact('llm_call_history'))
UNION ALL
SELECT
    date_trunc('hour', lch.created_at, 'UTC') AS hour,
    lch.call_type,
    lch.model,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    COUNT(lch.total_tokens) AS tokens_count,
    COALESCE(SUM(lch.total_tokens), 0) AS tokens_sum,
    COUNT(lch.estimated_cost) AS priced_calls,
    COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum
FROM llm_call_history AS lch
WHERE NOT (SELECT pfr_rollup_partitions_intact('llm_call_history'))
GROUP BY
    date_trunc('hour', lch.created_at, 'UTC'),
    lch.call_type,
    lch.model;

COMMENT ON VIEW v_llm_calls_hourly IS
    'LLM calls per UTC hour, call type and model, exact at every instant: llm_calls_hourly for '
    'hours with no marker in rollup_dirty_llm_call_hours, the raw rows for the marked hours, or '
    'the whole raw table while a partition the rollup counted is gone (until the next refresh).';

CREATE VIEW v_llm_calls_daily AS
WITH dirty_days AS (
    SELECT DISTINCT (d.hour AT TIME ZONE 'UTC')::DATE AS day
    FROM rollup_dirty_llm_call_hours AS d
)
SELECT
    ld.day,
    ld.call_type,
    ld.model,
    ld.calls,
    ld.cache_hits,
    ld.tokens_count,
    ld.tokens_sum,
    ld.priced_calls,
    ld.cost_sum
FROM llm_calls_daily AS ld
WHERE (SELECT pfr_rollup_partitions_intact('llm_call_history'))
  AND ld.day NOT IN (
    SELECT dd.day
    FROM dirty_days AS dd
)
UNION ALL
SELECT
    dd.day,
    clean.call_type,
    clean.model,
    clean.calls,
    clean.cache_hits,
    clean.tokens_count,
    clean.tokens_sum,
    clean.priced_calls,
    clean.cost_sum
FROM dirty_days AS dd
CROSS JOIN LATERAL (
    SELECT
        lh.call_type,
        lh.model,
        SUM(lh.calls) AS calls,
        SUM(lh.cache_hits) AS cache_hits,
        SUM(lh.tokens_count) AS tokens_count,
        SUM(lh.tokens_sum) AS tokens_sum,
        SUM(lh.priced_calls) AS priced_calls,
        SUM(lh.cost_sum) AS cost_sum
    FROM llm_calls_hourly AS lh
    WHERE lh.hour >= dd.day::TIMESTAMP AT TIME ZONE 'UTC'
      AND lh.hour < (dd.day + 1)::TIMESTAMP AT TIME ZONE 'UTC'
      AND NOT EXISTS (
        SELECT 1
        FROM rollup_dirty_llm_call_hours AS d
        WHERE d.hour = lh.hour
    )
    GROUP BY
        lh.call_type,
        lh.model
) AS clean
WHERE (SELECT pfr_rollup_partitions_intact('llm_call_history'))
UNION ALL
SELECT
    (dirty.hour AT TIME ZONE 'UTC')::DATE AS day,
    live.call_type,
    live.model,
    live.calls,
    live.cache_hits,
    live.tokens_count,
    live.tokens_sum,
    live.priced_calls,
    live.cost_sum
FROM (
    SELECT DISTINCT d.hour
    FROM rollup_dirty_llm_call_hours AS d
) AS dirty
CROSS JOIN LATERAL (
    SELECT
        lch.call_type,
        lch.model,
        COUNT(*) AS calls,
        COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
        COUNT(lch.total_tokens) AS tokens_count,
        COALESCE(SUM(lch.total_tokens), 0) AS tokens_sum,
        COUNT(lch.estimated_cost) AS priced_calls,
        COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum
    FROM llm_call_history AS lch
    WHERE lch.created_at >= dirty.hour
      AND lch.created_at < dirty.hour + INTERVAL '1 hour'
    GROUP BY
        lch.call_type,
        lch.model
) AS live
WHERE (SELECT pfr_rollup_partitions_intact('llm_call_history'))
UNION ALL
SELECT
    (lch.created_at AT TIME ZONE 'UTC')::DATE AS day,
    lch.call_type,
    lch.model,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    COUNT(lch.total_tokens) AS tokens_count,
    COALESCE(SUM(lch.total_tokens), 0) AS tokens_sum,
    COUNT(lch.estimated_cost) AS priced_calls,
    COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum
FROM llm_call_history AS lch
WHERE NOT (SELECT pfr_rollup_partitions_intact('llm_call_history'))
GROUP BY
    (lch.created_at AT TIME ZONE 'UTC')::DATE,
    lch.call_type,
    lch.model;

COMMENT ON VIEW v_llm_calls_daily IS
    'LLM calls per UTC day, call type and model, exact at every instant (several rows per day '
    'and key while the day has marked hours: sum them). For all-time and long-range totals.';

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

