-- Dashboard rollups: per-hour and per-day aggregates of issue runs and LLM calls, and
-- per-path totals of file changes, so that stats, daily stats, LLM cost and the analytics
-- read a few thousand small rows instead of millions of raw ones, with EXACTLY the raw
-- figures. Daily rows (UTC days) serve all-time and long-window totals; hourly rows serve
-- per-day figures in the session TimeZone and the partial first day of a window.
--
-- Why not "aggregate closed days, scan the open tail from a watermark":
--   * ids come from sequences and are not commit-ordered, and created_at is set by the
--     writer (the buffered writer stamps it when it accepted the row), so rows for a past
--     hour keep arriving after any watermark;
--   * runs change status (processing -> completed/failed), which moves counts between
--     buckets of hours long closed; retention deletes whole partitions.
-- So nothing here relies on time order. Instead every statement that writes a source
-- table marks, in the SAME transaction, the buckets it touched ("dirty" markers, written
-- by statement-level triggers with transition tables: one small insert per statement,
-- never an update of a shared row, so concurrent writers never wait on each other). A
-- marker becomes visible exactly when the rows it covers do. The read views take a bucket
-- from the rollup table only when no marker is visible for it, and aggregate the raw rows
-- of the marked buckets live (a handful of hours, read through idx_*_created_at); every
-- part is read in one statement, hence one snapshot, so the result equals the raw
-- aggregate of that snapshot at every instant, not just after a refresh.
--
-- pfr_rollup_refresh() (the scheduler's rollups job) deletes the markers it sees and
-- recomputes those buckets from the raw rows. A snapshot taken after the markers were
-- read sees at least the rows they covered, so READ COMMITTED is enough; an advisory lock
-- keeps two refreshes from interleaving. Markers of a transaction still in flight are not
-- seen, so they survive the refresh and keep their bucket live until the next one.
--
-- Buckets are UTC hours (date_trunc('hour', created_at, 'UTC')), and UTC days summed
-- from them by the refresh (a day with a marked hour is read from its hours). A day or
-- week in any session TimeZone whose offset is a whole number of hours is a union of whole
-- UTC hours, so the per-day figures stay exact in such sessions (offsets like +05:30 are
-- not; read the raw views there). File totals are per file_path, recomputed from the raw rows of the
-- marked paths (COUNT(DISTINCT history_id) and MAX(created_at) cannot be summed).
--
-- Partitions: a statement run directly on a partition fires the partition's triggers,
-- not the parent's. The package writes through the parent, except the retention job and
-- pfr_move_stranded_rows, which delete rows of the DEFAULT partitions directly; so the
-- default partitions of llm_call_history and file_modification_history carry the same
-- marker triggers (a statement on the parent fires only the parent's). Direct DML on a
-- monthly partition is not seen: write through the parent. DROP or DETACH of a partition
-- (retention) takes rows away without firing any trigger: rollup_partitions records the
-- partitions each rollup counted; as soon as one of them is gone, the views ignore that
-- rollup and aggregate the raw table (exact, slower) until the next refresh recomputes
-- the hours (or, for file totals, all paths) it held. TRUNCATE empties the rollup.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): CREATE TRIGGER on
-- issue_processing_history, llm_call_history, file_modification_history and nodes (and two
-- default partitions): SHARE ROW EXCLUSIVE on each until commit, so writers of those tables
-- wait for the rest of this transaction: new small tables, views, functions, index probes
-- for the first fill and one GROUP BY over nodes (seconds at 1M nodes); the big tables are
-- not read here (see the first fill below).
-- depends: 0009_add_llm_error_message_issues

-- No unique keys on the marker tables on purpose: a unique key would make concurrent
-- writers of the same hour wait for each other's commit. Duplicates are harmless and
-- removed by the refresh.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '10min';
CREATE TABLE rollup_dirty_issue_hours (
    hour TIMESTAMPTZ NOT NULL
);

CREATE INDEX idx_rollup_dirty_issue_hours_hour
    ON rollup_dirty_issue_hours (hour);

COMMENT ON TABLE rollup_dirty_issue_hours IS
    'UTC hours (date_trunc(''hour'', created_at, ''UTC'')) of issue_processing_history written since '
    'their issues_hourly rows were computed; v_issues_hourly aggregates them from the raw rows.';

CREATE TABLE rollup_dirty_llm_call_hours (
    hour TIMESTAMPTZ NOT NULL
);

CREATE INDEX idx_rollup_dirty_llm_call_hours_hour
    ON rollup_dirty_llm_call_hours (hour);

COMMENT ON TABLE rollup_dirty_llm_call_hours IS
    'UTC hours (date_trunc(''hour'', created_at, ''UTC'')) of llm_call_history written since '
    'their llm_calls_hourly rows were computed; v_llm_calls_hourly aggregates them from the raw rows.';

CREATE TABLE rollup_dirty_files (
    file_path VARCHAR(500) NOT NULL
);

CREATE INDEX idx_rollup_dirty_files_file_path
    ON rollup_dirty_files (file_path);

COMMENT ON TABLE rollup_dirty_files IS
    'File paths of file_modification_history written since their file_modification_totals row '
    'was computed; v_file_modification_totals aggregates these paths from the raw rows.';

CREATE TABLE issues_hourly (
    hour TIMESTAMPTZ NOT NULL,
    status VARCHAR(20) NOT NULL,
    runs BIGINT NOT NULL,
    no_changes BIGINT NOT NULL,
    duration_count BIGINT NOT NULL,
    duration_sum BIGINT NOT NULL,
    files_count BIGINT NOT NULL,
    files_sum BIGINT NOT NULL,
    CONSTRAINT pk_issues_hourly PRIMARY KEY (hour, status)
);

COMMENT ON TABLE issues_hourly IS
    'Issue runs per UTC hour of created_at and status, computed by pfr_rollup_refresh(). Read '
    'v_issues_hourly, which replaces the hours still marked in rollup_dirty_issue_hours by live figures.';
COMMENT ON COLUMN issues_hourly.no_changes IS 'Runs whose result_data->>''status'' is no_changes.';
COMMENT ON COLUMN issues_hourly.duration_count IS 'Runs with a processing_duration_seconds (for AVG: duration_sum / duration_count).';
COMMENT ON COLUMN issues_hourly.files_count IS 'Runs with a modified_files_count (SUM is NULL when 0).';

CREATE TABLE issues_daily (
    day DATE NOT NULL,
    status VARCHAR(20) NOT NULL,
    runs BIGINT NOT NULL,
    no_changes BIGINT NOT NULL,
    duration_count BIGINT NOT NULL,
    duration_sum BIGINT NOT NULL,
    files_count BIGINT NOT NULL,
    files_sum BIGINT NOT NULL,
    CONSTRAINT pk_issues_daily PRIMARY KEY (day, status)
);

COMMENT ON TABLE issues_daily IS
    'issues_hourly summed per UTC day, for all-time totals. Read v_issues_daily.';

CREATE TABLE llm_calls_hourly (
    hour TIMESTAMPTZ NOT NULL,
    call_type VARCHAR(50) NOT NULL,
    model VARCHAR(100) NOT NULL,
    calls BIGINT NOT NULL,
    cache_hits BIGINT NOT NULL,
    tokens_count BIGINT NOT NULL,
    tokens_sum BIGINT NOT NULL,
    priced_calls BIGINT NOT NULL,
    cost_sum NUMERIC NOT NULL,
    CONSTRAINT pk_llm_calls_hourly PRIMARY KEY (hour, call_type, model)
);

COMMENT ON TABLE llm_calls_hourly IS
    'LLM calls per UTC hour of created_at, call type and model, computed by pfr_rollup_refresh(). '
    'Read v_llm_calls_hourly.';
COMMENT ON COLUMN llm_calls_hourly.tokens_count IS 'Calls with a total_tokens (SUM is NULL when 0).';
COMMENT ON COLUMN llm_calls_hourly.priced_calls IS 'Calls with an estimated_cost; calls - priced_calls are unpriced.';
COMMENT ON COLUMN llm_calls_hourly.cost_sum IS 'Sum of estimated_cost in USD, exact (0 when no call is priced).';

CREATE TABLE llm_calls_daily (
    day DATE NOT NULL,
    call_type VARCHAR(50) NOT NULL,
    model VARCHAR(100) NOT NULL,
    calls BIGINT NOT NULL,
    cache_hits BIGINT NOT NULL,
    tokens_count BIGINT NOT NULL,
    tokens_sum BIGINT NOT NULL,
    priced_calls BIGINT NOT NULL,
    cost_sum NUMERIC NOT NULL,
    CONSTRAINT pk_llm_calls_daily PRIMARY KEY (day, call_type, model)
);

COMMENT ON TABLE llm_calls_daily IS
    'llm_calls_hourly summed per UTC day, for all-time totals (365 rows a year per call type and '
    'model instead of 8,760). Read v_llm_calls_daily.';

CREATE TABLE file_modification_totals (
    file_path VARCHAR(500) NOT NULL,
    modification_count BIGINT NOT NULL,
    unique_issues BIGINT NOT NULL,
    last_modified TIMESTAMPTZ,
    CONSTRAINT pk_file_modification_totals PRIMARY KEY (file_path)
);

COMMENT ON TABLE file_modification_totals IS
    'All-time changes per file path (count, distinct runs, last change), computed by '
    'pfr_rollup_refresh(). Read v_file_modification_totals.';

-- The first whole UTC hour at or after p_at: the fast queries read whole hours from the
-- rollups from here on, and the raw rows between p_at and here.
CREATE FUNCTION pfr_utc_hour_ceil(p_at TIMESTAMPTZ)
RETURNS TIMESTAMPTZ
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT date_trunc('hour', p_at - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour'
$$;

COMMENT ON FUNCTION pfr_utc_hour_ceil(TIMESTAMPTZ) IS
    'The first whole UTC hour at or after p_at (p_at itself when it is one).';

-- The first UTC midnight at or after p_at: from there on whole days come from the daily
-- rollups. 24 hours, not 1 day: a day of the session TimeZone may last 23 or 25 hours.
CREATE FUNCTION pfr_utc_day_ceil(p_at TIMESTAMPTZ)
RETURNS TIMESTAMPTZ
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT date_trunc('day', p_at - INTERVAL '1 microsecond', 'UTC') + INTERVAL '24 hours'
$$;

COMMENT ON FUNCTION pfr_utc_day_ceil(TIMESTAMPTZ) IS
    'The first UTC midnight at or after p_at (p_at itself when it is one).';

CREATE TABLE rollup_partitions (
    parent_table TEXT NOT NULL,
    partition_oid OID NOT NULL,
    partition_name TEXT NOT NULL,
    lower_bound TIMESTAMPTZ,
    upper_bound TIMESTAMPTZ,
    CONSTRAINT pk_rollup_partitions PRIMARY KEY (parent_table, partition_oid)
);

COMMENT ON TABLE rollup_partitions IS
    'The partitions of llm_call_history and file_modification_history (parent_table: the table '
    'name) that their rollups were last refreshed over; bounds NULL for the default partition. '
    'After a restore the OIDs differ: the views read the raw tables until the next refresh.';

-- The partitions of a table, with the bounds of the monthly ones (NULL for the default).
CREATE FUNCTION pfr_rollup_current_partitions(p_parent REGCLASS)
RETURNS TABLE (partition_oid OID, partition_name TEXT, lower_bound TIMESTAMPTZ, upper_bound TIMESTAMPTZ)
LANGUAGE sql
STABLE
AS $$
    SELECT
        c.oid,
        c.relname::TEXT,
        b.bounds[1]::TIMESTAMPTZ,
        b.bounds[2]::TIMESTAMPTZ
    FROM pg_inherits AS i
    JOIN pg_class AS c
        ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (
        SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS bounds
    ) AS b
    WHERE i.inhparent = p_parent
$$;

COMMENT ON FUNCTION pfr_rollup_current_partitions(REGCLASS) IS
    'The partitions of p_parent now, with their range bounds (NULL for the default partition).';

-- True while every partition the rollup of p_parent was computed over is still attached.
CREATE FUNCTION pfr_rollup_partitions_intact(p_parent REGCLASS)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
AS $$
    SELECT NOT EXISTS (
        SELECT 1
        FROM rollup_partitions AS rp
        JOIN pg_class AS parent
            ON parent.relname = rp.parent_table
        WHERE parent.oid = p_parent
          AND NOT EXISTS (
            SELECT 1
            FROM pg_inherits AS i
            WHERE i.inhparent = p_parent
              AND i.inhrelid = rp.partition_oid
        )
    )
$$;

COMMENT ON FUNCTION pfr_rollup_partitions_intact(REGCLASS) IS
    'False when a partition of p_parent recorded in rollup_partitions was dropped or detached: '
    'the rollup of p_parent then misses no row but counts rows that are gone.';

-- The views: rollup rows of unmarked buckets, plus live aggregates of the marked ones.
-- The live parts are LATERAL subqueries with their own GROUP BY, run once per marked
-- bucket over an index range: the planner cannot turn them into a scan of the whole raw
-- or rollup table, whatever its estimate of the (often unanalyzed) marker tables.

CREATE VIEW v_issues_hourly AS
SELECT
    ih.hour,
    ih.status,
    ih.runs,
    ih.no_changes,
    ih.duration_count,
    ih.duration_sum,
    ih.files_count,
    ih.files_sum
FROM issues_hourly AS ih
WHERE NOT EXISTS (
    SELECT 1
    FROM rollup_dirty_issue_hours AS d
    WHERE d.hour = ih.hour
)
UNION ALL
SELECT
    dirty.hour,
    live.status,
    live.runs,
    live.no_changes,
    live.duration_count,
    live.duration_sum,
    live.files_count,
    live.files_sum
FROM (
    SELECT DISTINCT d.hour
    FROM rollup_dirty_issue_hours AS d
) AS dirty
CROSS JOIN LATERAL (
    SELECT
        iph.status,
        COUNT(*) AS runs,
        COUNT(*) FILTER (WHERE iph.result_data ->> 'status' = 'no_changes') AS no_changes,
        COUNT(iph.processing_duration_seconds) AS duration_count,
        COALESCE(SUM(iph.processing_duration_seconds), 0) AS duration_sum,
        COUNT(iph.modified_files_count) AS files_count,
        COALESCE(SUM(iph.modified_files_count), 0) AS files_sum
    FROM issue_processing_history AS iph
    WHERE iph.created_at >= dirty.hour
      AND iph.created_at < dirty.hour + INTERVAL '1 hour'
    GROUP BY iph.status
) AS live;

COMMENT ON VIEW v_issues_hourly IS
    'Issue runs per UTC hour and status, exact at every instant: issues_hourly for hours with no '
    'marker in rollup_dirty_issue_hours, the raw rows for the marked hours.';

-- Days with a marked hour take their clean hours from issues_hourly and their marked
-- hours from the raw rows; the other days come from issues_daily.
CREATE VIEW v_issues_daily AS
WITH dirty_days AS (
    SELECT DISTINCT (d.hour AT TIME ZONE 'UTC')::DATE AS day
    FROM rollup_dirty_issue_hours AS d
)
SELECT
    idy.day,
    idy.status,
    idy.runs,
    idy.no_changes,
    idy.duration_count,
    idy.duration_sum,
    idy.files_count,
    idy.files_sum
FROM issues_daily AS idy
WHERE idy.day NOT IN (
    SELECT dd.day
    FROM dirty_days AS dd
)
UNION ALL
SELECT
    dd.day,
    clean.status,
    clean.runs,
    clean.no_changes,
    clean.duration_count,
    clean.duration_sum,
    clean.files_count,
    clean.files_sum
FROM dirty_days AS dd
CROSS JOIN LATERAL (
    SELECT
        ih.status,
        SUM(ih.runs) AS runs,
        SUM(ih.no_changes) AS no_changes,
        SUM(ih.duration_count) AS duration_count,
        SUM(ih.duration_sum) AS duration_sum,
        SUM(ih.files_count) AS files_count,
        SUM(ih.files_sum) AS files_sum
    FROM issues_hourly AS ih
    WHERE ih.hour >= dd.day::TIMESTAMP AT TIME ZONE 'UTC'
      AND ih.hour < (dd.day + 1)::TIMESTAMP AT TIME ZONE 'UTC'
      AND NOT EXISTS (
        SELECT 1
        FROM rollup_dirty_issue_hours AS d
        WHERE d.hour = ih.hour
    )
    GROUP BY ih.status
) AS clean
UNION ALL
SELECT
    (dirty.hour AT TIME ZONE 'UTC')::DATE AS day,
    live.status,
    live.runs,
    live.no_changes,
    live.duration_count,
    live.duration_sum,
    live.files_count,
    live.files_sum
FROM (
    SELECT DISTINCT d.hour
    FROM rollup_dirty_issue_hours AS d
) AS dirty
CROSS JOIN LATERAL (
    SELECT
        iph.status,
        COUNT(*) AS runs,
        COUNT(*) FILTER (WHERE iph.result_data ->> 'status' = 'no_changes') AS no_changes,
        COUNT(iph.processing_duration_seconds) AS duration_count,
        COALESCE(SUM(iph.processing_duration_seconds), 0) AS duration_sum,
        COUNT(iph.modified_files_count) AS files_count,
        COALESCE(SUM(iph.modified_files_count), 0) AS files_sum
    FROM issue_processing_history AS iph
    WHERE iph.created_at >= dirty.hour
      AND iph.created_at < dirty.hour + INTERVAL '1 hour'
    GROUP BY iph.status
) AS live;

COMMENT ON VIEW v_issues_daily IS
    'Issue runs per UTC day and status, exact at every instant (several rows per day and status '
    'while the day has marked hours: sum them). For all-time and long-range totals.';

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

-- Days with a marked hour take their clean hours from llm_calls_hourly and their marked
-- hours from the raw rows; the other days come from llm_calls_daily.
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

CREATE VIEW v_file_modification_totals AS
SELECT
    fmt.file_path,
    fmt.modification_count,
    fmt.unique_issues,
    fmt.last_modified
FROM file_modification_totals AS fmt
WHERE (SELECT pfr_rollup_partitions_intact('file_modification_history'))
  AND fmt.modification_count > 0
  AND NOT EXISTS (
    SELECT 1
    FROM rollup_dirty_files AS d
    WHERE d.file_path = fmt.file_path
)
UNION ALL
SELECT
    dirty.file_path,
    live.modification_count,
    live.unique_issues,
    live.last_modified
FROM (
    SELECT DISTINCT d.file_path
    FROM rollup_dirty_files AS d
) AS dirty
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS modification_count,
        COUNT(DISTINCT fmh.history_id) AS unique_issues,
        MAX(fmh.created_at) AS last_modified
    FROM file_modification_history AS fmh
    WHERE fmh.file_path = dirty.file_path
    HAVING COUNT(*) > 0
) AS live
WHERE (SELECT pfr_rollup_partitions_intact('file_modification_history'))
UNION ALL
SELECT
    fmh.file_path,
    COUNT(*) AS modification_count,
    COUNT(DISTINCT fmh.history_id) AS unique_issues,
    MAX(fmh.created_at) AS last_modified
FROM file_modification_history AS fmh
WHERE NOT (SELECT pfr_rollup_partitions_intact('file_modification_history'))
GROUP BY fmh.file_path;

COMMENT ON VIEW v_file_modification_totals IS
    'All-time changes per file path, exact at every instant: file_modification_totals for paths '
    'with no marker in rollup_dirty_files, the raw rows for the marked paths, or the whole raw '
    'table while a partition the totals counted is gone (until the next refresh).';

-- The markers. Statement-level, so a COPY or a multi-row INSERT adds one marker per
-- distinct bucket, not one per row.

CREATE FUNCTION pfr_rollup_mark_issues()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO rollup_dirty_issue_hours (hour)
        SELECT DISTINCT date_trunc('hour', n.created_at, 'UTC')
        FROM pfr_new_rows AS n;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO rollup_dirty_issue_hours (hour)
        SELECT DISTINCT date_trunc('hour', o.created_at, 'UTC')
        FROM pfr_old_rows AS o;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pfr_rollup_mark_issues() IS
    'Statement trigger function: marks the UTC hours of the inserted, updated (old and new) or '
    'deleted issue runs in rollup_dirty_issue_hours.';

CREATE TRIGGER trg_iph_rollup_insert
    AFTER INSERT
    ON issue_processing_history
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_issues();

CREATE TRIGGER trg_iph_rollup_update
    AFTER UPDATE
    ON issue_processing_history
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_issues();

CREATE TRIGGER trg_iph_rollup_delete
    AFTER DELETE
    ON issue_processing_history
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_issues();

CREATE FUNCTION pfr_rollup_mark_llm_calls()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO rollup_dirty_llm_call_hours (hour)
        SELECT DISTINCT date_trunc('hour', n.created_at, 'UTC')
        FROM pfr_new_rows AS n;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO rollup_dirty_llm_call_hours (hour)
        SELECT DISTINCT date_trunc('hour', o.created_at, 'UTC')
        FROM pfr_old_rows AS o;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pfr_rollup_mark_llm_calls() IS
    'Statement trigger function: marks the UTC hours of the inserted, updated (old and new) or '
    'deleted LLM calls in rollup_dirty_llm_call_hours.';

CREATE TRIGGER trg_lch_rollup_insert
    AFTER INSERT
    ON llm_call_history
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE TRIGGER trg_lch_rollup_update
    AFTER UPDATE
    ON llm_call_history
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE TRIGGER trg_lch_rollup_delete
    AFTER DELETE
    ON llm_call_history
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE TRIGGER trg_lch_default_rollup_insert
    AFTER INSERT
    ON llm_call_history_default
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE TRIGGER trg_lch_default_rollup_update
    AFTER UPDATE
    ON llm_call_history_default
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE TRIGGER trg_lch_default_rollup_delete
    AFTER DELETE
    ON llm_call_history_default
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_llm_calls();

CREATE FUNCTION pfr_rollup_mark_files()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO rollup_dirty_files (file_path)
        SELECT DISTINCT n.file_path
        FROM pfr_new_rows AS n;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO rollup_dirty_files (file_path)
        SELECT DISTINCT o.file_path
        FROM pfr_old_rows AS o;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pfr_rollup_mark_files() IS
    'Statement trigger function: marks the paths of the inserted, updated (old and new) or '
    'deleted file changes in rollup_dirty_files.';

CREATE TRIGGER trg_fmh_rollup_insert
    AFTER INSERT
    ON file_modification_history
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

CREATE TRIGGER trg_fmh_rollup_update
    AFTER UPDATE
    ON file_modification_history
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

CREATE TRIGGER trg_fmh_rollup_delete
    AFTER DELETE
    ON file_modification_history
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

CREATE TRIGGER trg_fmh_default_rollup_insert
    AFTER INSERT
    ON file_modification_history_default
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

CREATE TRIGGER trg_fmh_default_rollup_update
    AFTER UPDATE
    ON file_modification_history_default
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

CREATE TRIGGER trg_fmh_default_rollup_delete
    AFTER DELETE
    ON file_modification_history_default
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_mark_files();

-- TRUNCATE fires no row or transition-table trigger: empty the rollup with the table;
-- a truncated default partition makes every hour (or path) of the rollup dirty.
CREATE FUNCTION pfr_rollup_truncated()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_TABLE_NAME = 'issue_processing_history' THEN
        DELETE FROM issues_hourly;
        DELETE FROM issues_daily;
        DELETE FROM rollup_dirty_issue_hours;
    ELSIF TG_TABLE_NAME = 'llm_call_history' THEN
        DELETE FROM llm_calls_hourly;
        DELETE FROM llm_calls_daily;
        DELETE FROM rollup_dirty_llm_call_hours;
    ELSIF TG_TABLE_NAME = 'file_modification_history' THEN
        DELETE FROM file_modification_totals;
        DELETE FROM rollup_dirty_files;
    ELSIF TG_TABLE_NAME = 'nodes' THEN
        DELETE FROM node_duration_counts;
        DELETE FROM rollup_dirty_node_durations;
    ELSIF TG_TABLE_NAME = 'llm_call_history_default' THEN
        INSERT INTO rollup_dirty_llm_call_hours (hour)
        SELECT lh.hour
        FROM llm_calls_hourly AS lh;
    ELSIF TG_TABLE_NAME = 'file_modification_history_default' THEN
        INSERT INTO rollup_dirty_files (file_path)
        SELECT fmt.file_path
        FROM file_modification_totals AS fmt;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pfr_rollup_truncated() IS
    'Statement trigger function: empties the rollup (and markers) of a truncated source table.';

CREATE TRIGGER trg_iph_rollup_truncate
    AFTER TRUNCATE
    ON issue_processing_history
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

CREATE TRIGGER trg_lch_rollup_truncate
    AFTER TRUNCATE
    ON llm_call_history
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

CREATE TRIGGER trg_fmh_rollup_truncate
    AFTER TRUNCATE
    ON file_modification_history
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

CREATE TRIGGER trg_lch_default_rollup_truncate
    AFTER TRUNCATE
    ON llm_call_history_default
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

CREATE TRIGGER trg_fmh_default_rollup_truncate
    AFTER TRUNCATE
    ON file_modification_history_default
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

-- Node performance (v_node_performance) has few keys (node names) with many rows each
-- and exact percentiles, which need every duration: no time bucket can be recomputed
-- cheaply and no partial percentile can be summed. Its rollup is therefore the exact
-- distribution itself, counted per (node_name, status, duration_ms): a few thousand rows
-- however many executions there are. Statement triggers append signed deltas (+n for new
-- rows, -n for old rows of an UPDATE or DELETE) in the writer's transaction; the refresh
-- folds them into the counts; readers add the pending deltas to the counts. Sums of
-- deltas commute, so no ordering or locking between writers is needed.
CREATE TABLE node_duration_counts (
    node_name VARCHAR(100) NOT NULL,
    status VARCHAR(20) NOT NULL,
    duration_ms INTEGER NOT NULL,
    runs BIGINT NOT NULL,
    CONSTRAINT pk_node_duration_counts PRIMARY KEY (node_name, status, duration_ms)
);

COMMENT ON TABLE node_duration_counts IS
    'Node executions counted per node_name, status and duration_ms (-1 for a NULL duration: '
    'nodes.duration_ms is never negative), as of the last pfr_rollup_refresh(). Add '
    'rollup_dirty_node_durations for the current figures (v_node_performance_exact does).';

CREATE TABLE rollup_dirty_node_durations (
    node_name VARCHAR(100) NOT NULL,
    status VARCHAR(20) NOT NULL,
    duration_ms INTEGER NOT NULL,
    runs BIGINT NOT NULL
);

COMMENT ON TABLE rollup_dirty_node_durations IS
    'Signed changes to node_duration_counts written by the triggers on nodes since the last '
    'refresh (append-only; folded in and deleted by pfr_rollup_refresh()).';

CREATE FUNCTION pfr_rollup_node_deltas()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO rollup_dirty_node_durations (node_name, status, duration_ms, runs)
        SELECT n.node_name, n.status, COALESCE(n.duration_ms, -1), COUNT(*)
        FROM pfr_new_rows AS n
        GROUP BY n.node_name, n.status, COALESCE(n.duration_ms, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO rollup_dirty_node_durations (node_name, status, duration_ms, runs)
        SELECT o.node_name, o.status, COALESCE(o.duration_ms, -1), -COUNT(*)
        FROM pfr_old_rows AS o
        GROUP BY o.node_name, o.status, COALESCE(o.duration_ms, -1);
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pfr_rollup_node_deltas() IS
    'Statement trigger function: appends +count for the new rows and -count for the old rows '
    'of a statement on nodes to rollup_dirty_node_durations, per node_name, status and duration_ms.';

CREATE TRIGGER trg_nodes_rollup_insert
    AFTER INSERT
    ON nodes
    REFERENCING NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_node_deltas();

CREATE TRIGGER trg_nodes_rollup_update
    AFTER UPDATE
    ON nodes
    REFERENCING OLD TABLE AS pfr_old_rows NEW TABLE AS pfr_new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_node_deltas();

CREATE TRIGGER trg_nodes_rollup_delete
    AFTER DELETE
    ON nodes
    REFERENCING OLD TABLE AS pfr_old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_node_deltas();

CREATE TRIGGER trg_nodes_rollup_truncate
    AFTER TRUNCATE
    ON nodes
    FOR EACH STATEMENT
    EXECUTE FUNCTION pfr_rollup_truncated();

-- last_run_at is MAX(created_at) per node name: one backward index probe each, through
-- idx_nodes_node_name_created_at, made CONCURRENTLY by migration 0014.

-- v_node_performance from the counts: percentile_cont(p) is the value at 0-based row
-- p * (n - 1) of the sorted durations, interpolated between the rows at its floor and
-- ceiling exactly as PostgreSQL does it (lo + fraction * (hi - lo), in double precision);
-- each distinct duration covers rows first_row .. next_row - 1 (cumulative counts).
CREATE VIEW v_node_performance_exact AS
WITH dist AS (
    SELECT
        parts.node_name,
        parts.status,
        parts.duration_ms,
        SUM(parts.runs::INTEGER) AS runs
    FROM (
        SELECT ndc.node_name, ndc.status, ndc.duration_ms, ndc.runs
        FROM node_duration_counts AS ndc
        UNION ALL
        SELECT ndd.node_name, ndd.status, ndd.duration_ms, ndd.runs
        FROM rollup_dirty_node_durations AS ndd
    ) AS parts
    GROUP BY
        parts.node_name,
        parts.status,
        parts.duration_ms
    HAVING SUM(parts.runs::INTEGER) <> 0
),
durations AS (
    SELECT
        dist.node_name,
        dist.duration_ms,
        SUM(SUM(dist.runs)::INTEGER) OVER by_duration - SUM(dist.runs) AS first_row,
        SUM(SUM(dist.runs)::INTEGER) OVER by_duration AS next_row
    FROM dist
    WHERE dist.duration_ms >= 0
    GROUP BY
        dist.node_name,
        dist.duration_ms
    -- Byte order is enough to keep a node's rows together, and much cheaper to sort by.
    WINDOW by_duration AS (PARTITION BY dist.node_name COLLATE "C" ORDER BY dist.duration_ms)
),
per_node AS (
    SELECT
        dist.node_name,
        SUM(dist.runs::INTEGER) AS calls,
        COALESCE(SUM(dist.runs::INTEGER) FILTER (WHERE dist.status = 'completed'), 0) AS completed,
        COALESCE(SUM(dist.runs::INTEGER) FILTER (WHERE dist.status = 'failed'), 0) AS failures,
        SUM(dist.runs::INTEGER) FILTER (WHERE dist.duration_ms >= 0) AS timed,
        SUM(dist.runs * dist.duration_ms) FILTER (WHERE dist.duration_ms >= 0) AS duration_sum,
        MAX(dist.duration_ms) FILTER (WHERE dist.duration_ms >= 0) AS max_duration_ms
    FROM dist
    GROUP BY dist.node_name
),
positions AS (
    SELECT
        pn.node_name,
        q.fraction,
        floor(q.fraction * (pn.timed - 1)::DOUBLE PRECISION)::BIGINT AS lo_row,
        ceil(q.fraction * (pn.timed - 1)::DOUBLE PRECISION)::BIGINT AS hi_row,
        q.fraction * (pn.timed - 1)::DOUBLE PRECISION
            - floor(q.fraction * (pn.timed - 1)::DOUBLE PRECISION) AS proportion
    FROM per_node AS pn
    CROSS JOIN (VALUES (0.5::DOUBLE PRECISION), (0.95::DOUBLE PRECISION)) AS q (fraction)
    WHERE pn.timed > 0
),
percentiles AS (
    SELECT
        pos.node_name,
        pos.fraction,
        lo.duration_ms::DOUBLE PRECISION
            + pos.proportion * (hi.duration_ms::DOUBLE PRECISION - lo.duration_ms::DOUBLE PRECISION)
            AS value
    FROM positions AS pos
    JOIN durations AS lo
        ON lo.node_name = pos.node_name
       AND pos.lo_row >= lo.first_row
       AND pos.lo_row < lo.next_row
    JOIN durations AS hi
        ON hi.node_name = pos.node_name
       AND pos.hi_row >= hi.first_row
       AND pos.hi_row < hi.next_row
)
SELECT
    pn.node_name,
    pn.calls,
    pn.completed,
    pn.failures,
    ROUND(100.0 * pn.failures / NULLIF(pn.calls, 0), 2) AS failure_rate,
    ROUND(pn.duration_sum / NULLIF(pn.timed, 0), 1) AS avg_duration_ms,
    p50.value AS p50_duration_ms,
    p95.value AS p95_duration_ms,
    pn.max_duration_ms,
    (
        SELECT MAX(n.created_at)
        FROM nodes AS n
        WHERE n.node_name = pn.node_name
    ) AS last_run_at
FROM per_node AS pn
LEFT JOIN percentiles AS p50
    ON p50.node_name = pn.node_name
   AND p50.fraction = 0.5
LEFT JOIN percentiles AS p95
    ON p95.node_name = pn.node_name
   AND p95.fraction = 0.95;

COMMENT ON VIEW v_node_performance_exact IS
    'The rows of v_node_performance (same columns and values, exact percentiles included), '
    'computed from node_duration_counts plus the pending rollup_dirty_node_durations instead of '
    'every node execution.';

-- The refresh: recompute the marked buckets from the raw rows and drop their markers.
CREATE FUNCTION pfr_rollup_refresh()
RETURNS TABLE (rollup TEXT, buckets BIGINT)
LANGUAGE plpgsql
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

COMMENT ON FUNCTION pfr_rollup_refresh() IS
    'Recomputes the rollup buckets marked in the rollup_dirty_* tables from the raw '
    'rows and removes those markers; one row per rollup with the number of buckets recomputed. '
    'Serialized by an advisory lock. Safe at any time: readers are exact before and after.';

-- The first fill, without reading the big tables here: the triggers above hold SHARE ROW
-- EXCLUSIVE on the source tables until this transaction commits, so every writer waits
-- for whatever runs after them. Instead:
--   * issue runs: every UTC hour from the oldest to the newest run is marked (two index
--     probes on idx_iph_created_at);
--   * LLM calls and file changes: rollup_partitions gets a placeholder entry (OID 0, no
--     such partition) covering the oldest to the newest LLM call, so the views read the
--     raw tables, exact, until the first refresh, which recomputes those hours and every
--     path exactly as after a dropped partition;
--   * node durations: one GROUP BY over nodes (the smallest source: a few rows per
--     workflow), since the counts have no raw fallback.
-- The refresh itself is left to the rollups job (every minute; `pfr job run rollups`),
-- which takes no lock writers wait for. Until then the dashboards are exact but read raw.
INSERT INTO rollup_dirty_issue_hours (hour)
SELECT generate_series(date_trunc('hour', bounds.oldest, 'UTC'), bounds.newest, INTERVAL '1 hour')
FROM (
    SELECT min(iph.created_at) AS oldest, max(iph.created_at) AS newest
    FROM issue_processing_history AS iph
) AS bounds
WHERE bounds.oldest IS NOT NULL;

INSERT INTO rollup_partitions (parent_table, partition_oid, partition_name, lower_bound, upper_bound)
SELECT
    'llm_call_history',
    0,
    'first fill (migration 0010)',
    date_trunc('hour', bounds.oldest, 'UTC'),
    date_trunc('hour', bounds.newest, 'UTC') + INTERVAL '1 hour'
FROM (
    SELECT min(lch.created_at) AS oldest, max(lch.created_at) AS newest
    FROM llm_call_history AS lch
) AS bounds
WHERE bounds.oldest IS NOT NULL;

INSERT INTO rollup_partitions (parent_table, partition_oid, partition_name, lower_bound, upper_bound)
SELECT 'file_modification_history', 0, 'first fill (migration 0010)', NULL, NULL
WHERE EXISTS (
    SELECT 1
    FROM file_modification_history
);

INSERT INTO rollup_dirty_node_durations (node_name, status, duration_ms, runs)
SELECT n.node_name, n.status, COALESCE(n.duration_ms, -1), COUNT(*)
FROM nodes AS n
GROUP BY n.node_name, n.status, COALESCE(n.duration_ms, -1);
