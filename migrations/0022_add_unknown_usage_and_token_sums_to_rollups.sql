-- One meaning of "unpriced" in the dashboards (issue 11, item 5). A call is
--   priced         it has a cost (estimated_cost: the caller's provided_cost, else the
--                  computed_cost);
--   unpriced       token counts came back but no price covers its model;
--   unknown usage  no token count came back (prompt_tokens and completion_tokens both
--                  NULL) and the caller gave no cost: there is nothing to price.
-- The rollups of migration 0010 counted only priced_calls, so "calls - priced_calls"
-- lumped the last two together in stats(), llm_cost(), pfr stats and the dashboard. This
-- adds unknown_usage_calls to llm_calls_hourly and llm_calls_daily (unpriced is then
-- calls - priced_calls - unknown_usage_calls), to their read views and to
-- pfr_rollup_refresh(), and splits the raw views' unpriced counts the same way
-- (v_llm_cost_daily, v_recent_issues, v_generation_usage_daily: unpriced_* now counts the
-- unpriced calls only, the new unknown_usage_* column the others). While the rows are
-- recomputed anyway, the rollups also get the sums of prompt, cached-input, cache-write,
-- completion and reasoning tokens (five more SUMs per bucket, 40 bytes a row), so the
-- token report (reports/llm_tokens_daily) reads the rollups, not every call of the window.
--
-- Exactness (see 0010's header): the existing rollup rows get 0 in the new columns,
-- which is wrong for hours that had such calls or tokens. Rather than recompute them
-- here (a read of every LLM call inside this transaction), every hour the rollups hold is
-- MARKED DIRTY, as a write would mark it: the views then read those hours from the raw
-- rows (exact, slower: the whole table until the refresh) and the next rollups job (every
-- minute; `pfr job run rollups`) recomputes them all, outside any lock writers wait for.
-- A day of llm_calls_daily is marked through its first hour, so the daily view reads it
-- from its hours too. The advisory lock of pfr_rollup_refresh() is taken first, so no
-- refresh running the old function body folds these markers into rows without the
-- new count.
--
-- Locks on a busy 100M-row database: none on llm_call_history or generations (not read
-- nor altered here; the raw views are replaced, which locks only the views). ADD COLUMN
-- with a constant default is a catalog-only change (PostgreSQL 11+: no rewrite) taking
-- ACCESS EXCLUSIVE on llm_calls_hourly and llm_calls_daily (a few thousand rows) until
-- commit; CREATE OR REPLACE VIEW takes ACCESS EXCLUSIVE on each view replaced, so
-- dashboard reads wait for the rest of this transaction: milliseconds (one INSERT of a
-- marker per rollup hour, read from the small rollup tables). The rollups job's advisory
-- lock is waited for at most lock_timeout, like every lock here: the migration then fails
-- and is retried, instead of queueing readers behind it.
-- depends: 0021_price_from_catalogue

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

SELECT pg_advisory_xact_lock(hashtext('pfr_rollup_refresh'));

ALTER TABLE llm_calls_hourly
    ADD COLUMN unknown_usage_calls BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN prompt_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cached_input_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_input_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens_sum BIGINT NOT NULL DEFAULT 0;

ALTER TABLE llm_calls_daily
    ADD COLUMN unknown_usage_calls BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN prompt_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cached_input_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_input_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens_sum BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens_sum BIGINT NOT NULL DEFAULT 0;

COMMENT ON COLUMN llm_calls_hourly.priced_calls IS
    'Calls with an estimated_cost. Unpriced calls (token counts, no price) are '
    'calls - priced_calls - unknown_usage_calls.';
COMMENT ON COLUMN llm_calls_hourly.unknown_usage_calls IS
    'Calls of unknown usage: no estimated_cost and neither prompt_tokens nor completion_tokens.';
COMMENT ON COLUMN llm_calls_daily.priced_calls IS
    'Calls with an estimated_cost. Unpriced calls (token counts, no price) are '
    'calls - priced_calls - unknown_usage_calls.';
COMMENT ON COLUMN llm_calls_daily.unknown_usage_calls IS
    'Calls of unknown usage: no estimated_cost and neither prompt_tokens nor completion_tokens.';
COMMENT ON COLUMN llm_calls_hourly.prompt_tokens_sum IS
    'Sum of prompt_tokens (NULL counted as 0; calls - tokens_count had no total_tokens); the '
    'other *_tokens_sum columns likewise, so the token report reads the rollups too.';
COMMENT ON COLUMN llm_calls_daily.prompt_tokens_sum IS
    'Sum of prompt_tokens, as in llm_calls_hourly; the other *_tokens_sum columns likewise.';

-- The views of 0010 with the new count as their last column (CREATE OR REPLACE VIEW may
-- only add columns at the end).
CREATE OR REPLACE VIEW v_llm_calls_hourly AS
SELECT
    lh.hour,
    lh.call_type,
    lh.model,
    lh.calls,
    lh.cache_hits,
    lh.tokens_count,
    lh.tokens_sum,
    lh.priced_calls,
    lh.cost_sum,
    lh.unknown_usage_calls,
    lh.prompt_tokens_sum,
    lh.cached_input_tokens_sum,
    lh.cache_write_input_tokens_sum,
    lh.completion_tokens_sum,
    lh.reasoning_tokens_sum
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
    live.cost_sum,
    live.unknown_usage_calls,
    live.prompt_tokens_sum,
    live.cached_input_tokens_sum,
    live.cache_write_input_tokens_sum,
    live.completion_tokens_sum,
    live.reasoning_tokens_sum
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
        COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_calls,
        COALESCE(SUM(lch.prompt_tokens), 0) AS prompt_tokens_sum,
        COALESCE(SUM(lch.cached_input_tokens), 0) AS cached_input_tokens_sum,
        COALESCE(SUM(lch.cache_write_input_tokens), 0) AS cache_write_input_tokens_sum,
        COALESCE(SUM(lch.completion_tokens), 0) AS completion_tokens_sum,
        COALESCE(SUM(lch.reasoning_tokens), 0) AS reasoning_tokens_sum
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
    COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    COALESCE(SUM(lch.prompt_tokens), 0) AS prompt_tokens_sum,
    COALESCE(SUM(lch.cached_input_tokens), 0) AS cached_input_tokens_sum,
    COALESCE(SUM(lch.cache_write_input_tokens), 0) AS cache_write_input_tokens_sum,
    COALESCE(SUM(lch.completion_tokens), 0) AS completion_tokens_sum,
    COALESCE(SUM(lch.reasoning_tokens), 0) AS reasoning_tokens_sum
FROM llm_call_history AS lch
WHERE NOT (SELECT pfr_rollup_partitions_intact('llm_call_history'))
GROUP BY
    date_trunc('hour', lch.created_at, 'UTC'),
    lch.call_type,
    lch.model;


COMMENT ON VIEW v_llm_calls_hourly IS
    'LLM calls per UTC hour, call type and model, exact at every instant: llm_calls_hourly for '
    'hours with no marker in rollup_dirty_llm_call_hours, the raw rows for the marked hours, or '
    'the whole raw table while a partition the rollup counted is gone (until the next refresh). '
    'Calls are priced (priced_calls), of unknown usage (unknown_usage_calls) or unpriced (the rest).';

CREATE OR REPLACE VIEW v_llm_calls_daily AS
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
    ld.cost_sum,
    ld.unknown_usage_calls,
    ld.prompt_tokens_sum,
    ld.cached_input_tokens_sum,
    ld.cache_write_input_tokens_sum,
    ld.completion_tokens_sum,
    ld.reasoning_tokens_sum
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
    clean.cost_sum,
    clean.unknown_usage_calls,
    clean.prompt_tokens_sum,
    clean.cached_input_tokens_sum,
    clean.cache_write_input_tokens_sum,
    clean.completion_tokens_sum,
    clean.reasoning_tokens_sum
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
        SUM(lh.cost_sum) AS cost_sum,
        SUM(lh.unknown_usage_calls) AS unknown_usage_calls,
        SUM(lh.prompt_tokens_sum) AS prompt_tokens_sum,
        SUM(lh.cached_input_tokens_sum) AS cached_input_tokens_sum,
        SUM(lh.cache_write_input_tokens_sum) AS cache_write_input_tokens_sum,
        SUM(lh.completion_tokens_sum) AS completion_tokens_sum,
        SUM(lh.reasoning_tokens_sum) AS reasoning_tokens_sum
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
    live.cost_sum,
    live.unknown_usage_calls,
    live.prompt_tokens_sum,
    live.cached_input_tokens_sum,
    live.cache_write_input_tokens_sum,
    live.completion_tokens_sum,
    live.reasoning_tokens_sum
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
        COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_calls,
        COALESCE(SUM(lch.prompt_tokens), 0) AS prompt_tokens_sum,
        COALESCE(SUM(lch.cached_input_tokens), 0) AS cached_input_tokens_sum,
        COALESCE(SUM(lch.cache_write_input_tokens), 0) AS cache_write_input_tokens_sum,
        COALESCE(SUM(lch.completion_tokens), 0) AS completion_tokens_sum,
        COALESCE(SUM(lch.reasoning_tokens), 0) AS reasoning_tokens_sum
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
    COALESCE(SUM(lch.estimated_cost), 0) AS cost_sum,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    COALESCE(SUM(lch.prompt_tokens), 0) AS prompt_tokens_sum,
    COALESCE(SUM(lch.cached_input_tokens), 0) AS cached_input_tokens_sum,
    COALESCE(SUM(lch.cache_write_input_tokens), 0) AS cache_write_input_tokens_sum,
    COALESCE(SUM(lch.completion_tokens), 0) AS completion_tokens_sum,
    COALESCE(SUM(lch.reasoning_tokens), 0) AS reasoning_tokens_sum
FROM llm_call_history AS lch
WHERE NOT (SELECT pfr_rollup_partitions_intact('llm_call_history'))
GROUP BY
    (lch.created_at AT TIME ZONE 'UTC')::DATE,
    lch.call_type,
    lch.model;


COMMENT ON VIEW v_llm_calls_daily IS
    'LLM calls per UTC day, call type and model, exact at every instant (several rows per day '
    'and key while the day has marked hours: sum them). For all-time and long-range totals. '
    'Calls are priced (priced_calls), of unknown usage (unknown_usage_calls) or unpriced (the rest).';

-- The refresh of 0010 (search_path pinned as 0011 did), with the new columns.
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

    INSERT INTO llm_calls_hourly (hour, call_type, model, calls, cache_hits, tokens_count, tokens_sum, priced_calls, cost_sum, unknown_usage_calls,
        prompt_tokens_sum, cached_input_tokens_sum, cache_write_input_tokens_sum, completion_tokens_sum, reasoning_tokens_sum)
    SELECT
        date_trunc('hour', lch.created_at, 'UTC'),
        lch.call_type,
        lch.model,
        COUNT(*),
        COUNT(*) FILTER (WHERE lch.cache_hit),
        COUNT(lch.total_tokens),
        COALESCE(SUM(lch.total_tokens), 0),
        COUNT(lch.estimated_cost),
        COALESCE(SUM(lch.estimated_cost), 0),
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ),
        COALESCE(SUM(lch.prompt_tokens), 0),
        COALESCE(SUM(lch.cached_input_tokens), 0),
        COALESCE(SUM(lch.cache_write_input_tokens), 0),
        COALESCE(SUM(lch.completion_tokens), 0),
        COALESCE(SUM(lch.reasoning_tokens), 0)
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

    INSERT INTO llm_calls_daily (day, call_type, model, calls, cache_hits, tokens_count, tokens_sum, priced_calls, cost_sum, unknown_usage_calls,
        prompt_tokens_sum, cached_input_tokens_sum, cache_write_input_tokens_sum, completion_tokens_sum, reasoning_tokens_sum)
    SELECT
        (lh.hour AT TIME ZONE 'UTC')::DATE,
        lh.call_type,
        lh.model,
        SUM(lh.calls),
        SUM(lh.cache_hits),
        SUM(lh.tokens_count),
        SUM(lh.tokens_sum),
        SUM(lh.priced_calls),
        SUM(lh.cost_sum),
        SUM(lh.unknown_usage_calls),
        SUM(lh.prompt_tokens_sum),
        SUM(lh.cached_input_tokens_sum),
        SUM(lh.cache_write_input_tokens_sum),
        SUM(lh.completion_tokens_sum),
        SUM(lh.reasoning_tokens_sum)
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


COMMENT ON FUNCTION pfr_rollup_refresh() IS
    'Recomputes the rollup buckets marked in the rollup_dirty_* tables from the raw '
    'rows and removes those markers; one row per rollup with the number of buckets recomputed. '
    'Serialized by an advisory lock. Safe at any time: readers are exact before and after.';

-- The raw views: unpriced_* keeps its name and now counts the unpriced calls only.
CREATE OR REPLACE VIEW v_llm_cost_daily AS
SELECT
    DATE(lch.created_at) AS date,
    lch.call_type,
    COUNT(*) AS total_calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    ROUND(100.0 * COUNT(*) FILTER (WHERE lch.cache_hit) / NULLIF(COUNT(*), 0), 2) AS cache_hit_rate,
    SUM(lch.total_tokens) AS total_tokens,
    SUM(lch.estimated_cost) AS total_cost,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND (lch.prompt_tokens IS NOT NULL OR lch.completion_tokens IS NOT NULL)
    ) AS unpriced_calls,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ) AS unknown_usage_calls
FROM llm_call_history AS lch
GROUP BY DATE(lch.created_at), lch.call_type;

COMMENT ON COLUMN v_llm_cost_daily.unpriced_calls IS
    'Unpriced calls: token counts came back but no price covers the model (and no provided cost).';
COMMENT ON COLUMN v_llm_cost_daily.unknown_usage_calls IS
    'Calls of unknown usage: no token count came back and no provided cost.';

CREATE OR REPLACE VIEW v_recent_issues AS
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
    llm.unpriced_llm_call_count,
    llm.unknown_usage_llm_call_count
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
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND (lch.prompt_tokens IS NOT NULL OR lch.completion_tokens IS NOT NULL)
        ) AS unpriced_llm_call_count,
        COUNT(*) FILTER (
            WHERE lch.estimated_cost IS NULL
              AND lch.prompt_tokens IS NULL
              AND lch.completion_tokens IS NULL
        ) AS unknown_usage_llm_call_count
    FROM llm_call_history AS lch
    WHERE lch.history_id = iph.id
) AS llm
ORDER BY iph.created_at DESC, iph.id DESC;

COMMENT ON COLUMN v_recent_issues.unpriced_llm_call_count IS
    'LLM calls of the run with token counts but no price (not in document 004).';
COMMENT ON COLUMN v_recent_issues.unknown_usage_llm_call_count IS
    'LLM calls of the run with no token count and no provided cost (not in document 004).';

CREATE OR REPLACE VIEW v_generation_usage_daily AS
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
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND (g.prompt_tokens IS NOT NULL OR g.completion_tokens IS NOT NULL)
    ) AS unpriced_calls,
    ROUND(AVG(g.latency_ms), 1) AS avg_latency_ms,
    COUNT(*) FILTER (
        WHERE g.estimated_cost IS NULL
          AND g.prompt_tokens IS NULL
          AND g.completion_tokens IS NULL
    ) AS unknown_usage_calls
FROM generations AS g
GROUP BY DATE(g.created_at), g.model_name, g.model_provider;

COMMENT ON COLUMN v_generation_usage_daily.unpriced_calls IS
    'Unpriced generations: token counts came back but no price covers the model (and no provided cost).';
COMMENT ON COLUMN v_generation_usage_daily.unknown_usage_calls IS
    'Generations of unknown usage: no token count came back and no provided cost.';

-- Every hour the rollups hold is recomputed by the next refresh; the views read them raw
-- (exact) until then. See the header.
INSERT INTO rollup_dirty_llm_call_hours (hour)
SELECT lh.hour
FROM llm_calls_hourly AS lh
UNION
SELECT ld.day::TIMESTAMP AT TIME ZONE 'UTC'
FROM llm_calls_daily AS ld;
