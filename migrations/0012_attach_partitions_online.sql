-- Partition maintenance that writers do not notice (issue 13).
--
-- Before: pfr_create_month_partition ran CREATE TABLE ... PARTITION OF (ACCESS EXCLUSIVE on
-- the parent: one idle INSERT transaction stalled every writer behind it), and
-- pfr_move_stranded_rows DETACHed the default partition for the whole move (ACCESS
-- EXCLUSIVE on the parent for seconds). Now, as pg_partman does:
--
--   pfr_attach_month_partition(table, month), one table and month per transaction (the
--   partitions job commits after each call and runs it under a short lock_timeout, with
--   retries and jitter):
--     1. CREATE TABLE <table>_pYYYYMM (LIKE <table> INCLUDING ALL) as a standalone table
--        with a CHECK constraint equal to the month's bounds (so ATTACH need not scan it);
--     2. rows of that month stranded in the default partition are moved into it in one
--        DELETE ... RETURNING / INSERT (ROW EXCLUSIVE on the default partition only: writers
--        of other months never wait for it); the default partition's statement triggers
--        mark the moved hours for the rollups, so they stay exact;
--     3. ALTER TABLE <table> ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent (does
--        not conflict with INSERT, UPDATE, DELETE or SELECT), ACCESS EXCLUSIVE on the new
--        table and on the default partition while the default is scanned to prove it holds
--        no row of the month (a NOT VALID check on the default would not spare the scan:
--        only a validated one does, and validating scans too), SHARE ROW EXCLUSIVE on the
--        tables its foreign keys reference (issue_processing_history, workflows, nodes,
--        model_pricing) until the commit right after.
--   The default partition is never detached; rows are never outside the table.
--
--   pfr_partition_months(table, months_ahead, now): the months a table needs: from the
--   month of now to months_ahead later, plus every month (past or far future) that has
--   rows in the default partition (gap fill, catch-up after missed runs).
--
-- pfr_create_month_partition, pfr_ensure_partitions and pfr_move_stranded_rows keep their
-- signatures and now go through pfr_attach_month_partition.
--
-- Locks of this migration on a busy 100M-row database: CREATE OR REPLACE FUNCTION only
-- (catalog rows): milliseconds, bounded by lock_timeout.
-- depends: 0011_pin_function_search_paths

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '30s';

CREATE FUNCTION pfr_attach_month_partition(p_table REGCLASS, p_month DATE)
RETURNS TABLE (partition_name TEXT, created BOOLEAN, moved BIGINT)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_schema NAME;
    v_key NAME;
    v_default REGCLASS;
    v_from TIMESTAMPTZ := date_trunc('month', p_month::TIMESTAMP) AT TIME ZONE 'UTC';
    v_to TIMESTAMPTZ := (date_trunc('month', p_month::TIMESTAMP) + INTERVAL '1 month') AT TIME ZONE 'UTC';
    v_from_literal TEXT;
    v_to_literal TEXT;
    v_existing_parent OID;
    v_existing BOOLEAN;
    v_columns TEXT;
BEGIN
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'pfr_attach_month_partition: p_month must not be NULL';
    END IF;
    partition_name := pfr_month_partition_name(p_table, p_month);
    IF octet_length(partition_name) > 63 THEN
        RAISE EXCEPTION 'pfr_attach_month_partition: partition name % is longer than 63 bytes', partition_name;
    END IF;

    SELECT n.nspname, a.attname, pt.partdefid::REGCLASS
    INTO v_schema, v_key, v_default
    FROM pg_partitioned_table AS pt
    JOIN pg_class AS c
        ON c.oid = pt.partrelid
    JOIN pg_namespace AS n
        ON n.oid = c.relnamespace
    JOIN pg_attribute AS a
        ON a.attrelid = c.oid
       AND a.attnum = pt.partattrs[0]
    WHERE c.oid = p_table
      AND pt.partstrat = 'r'
      AND pt.partnatts = 1;
    IF v_key IS NULL THEN
        RAISE EXCEPTION 'pfr_attach_month_partition: % is not range-partitioned on one column', p_table;
    END IF;

    -- Two sessions making the same partition: the second waits, then finds it.
    PERFORM pg_advisory_xact_lock(hashtext('pfr_create_month_partition'), hashtext(v_schema || '.' || partition_name));

    SELECT TRUE, i.inhparent
    INTO v_existing, v_existing_parent
    FROM pg_class AS c
    JOIN pg_namespace AS n
        ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits AS i
        ON i.inhrelid = c.oid
    WHERE n.nspname = v_schema
      AND c.relname = partition_name;
    IF v_existing THEN
        IF v_existing_parent IS DISTINCT FROM p_table::OID THEN
            RAISE EXCEPTION 'pfr_attach_month_partition: %.% exists but is not a partition of %', v_schema, partition_name, p_table;
        END IF;
        created := FALSE;
        moved := 0;
        RETURN NEXT;
        RETURN;
    END IF;

    -- Bounds as explicit UTC literals, independent of DateStyle and TimeZone.
    v_from_literal := to_char(v_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00';
    v_to_literal := to_char(v_to AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00';

    EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING ALL)', v_schema, partition_name, p_table);
    EXECUTE format(
        'ALTER TABLE %I.%I ADD CONSTRAINT %I CHECK (%I >= %L::TIMESTAMPTZ AND %I < %L::TIMESTAMPTZ)',
        v_schema, partition_name, left(partition_name, 56) || '_bounds',
        v_key, v_from_literal, v_key, v_to_literal
    );

    moved := 0;
    IF v_default IS NOT NULL THEN
        -- Stored generated columns cannot be inserted; the new table computes them again.
        SELECT string_agg(format('%I', att.attname), ', ' ORDER BY att.attnum)
        INTO v_columns
        FROM pg_attribute AS att
        WHERE att.attrelid = p_table
          AND att.attnum > 0
          AND NOT att.attisdropped
          AND att.attgenerated = '';
        EXECUTE format(
            'WITH stranded AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING %s) '
            'INSERT INTO %I.%I (%s) SELECT %s FROM stranded',
            v_default, v_key, v_key, v_columns, v_schema, partition_name, v_columns, v_columns
        )
        USING v_from, v_to;
        GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;

    EXECUTE format(
        'ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
        p_table, v_schema, partition_name, v_from_literal, v_to_literal
    );
    EXECUTE format(
        'COMMENT ON TABLE %I.%I IS %L',
        v_schema, partition_name,
        format('Monthly partition of %s for %s (UTC).', p_table, to_char(p_month, 'YYYY-MM'))
    );
    created := TRUE;
    RETURN NEXT;
END;
$$;

COMMENT ON FUNCTION pfr_attach_month_partition(REGCLASS, DATE) IS
    'Makes the monthly partition <table>_pYYYYMM of p_table unless it exists: a standalone table '
    'LIKE the parent, the month''s rows moved into it from the default partition, then ATTACHed '
    '(SHARE UPDATE EXCLUSIVE on the parent). One row: its name, whether it was made, rows moved. '
    'Run one call per transaction under a short lock_timeout.';

CREATE FUNCTION pfr_partition_months(p_table REGCLASS, p_months_ahead INTEGER, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (month DATE, partition_name TEXT, partition_exists BOOLEAN, stranded_rows BIGINT, in_window BOOLEAN)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_schema NAME;
    v_key NAME;
    v_default REGCLASS;
    v_first_month DATE := date_trunc('month', p_now AT TIME ZONE 'UTC')::DATE;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead < 0 THEN
        RAISE EXCEPTION 'pfr_partition_months: p_months_ahead must be 0 or more, got %', p_months_ahead;
    END IF;
    IF p_now IS NULL THEN
        RAISE EXCEPTION 'pfr_partition_months: p_now must not be NULL';
    END IF;
    SELECT n.nspname, a.attname, pt.partdefid::REGCLASS
    INTO v_schema, v_key, v_default
    FROM pg_partitioned_table AS pt
    JOIN pg_class AS c
        ON c.oid = pt.partrelid
    JOIN pg_namespace AS n
        ON n.oid = c.relnamespace
    JOIN pg_attribute AS a
        ON a.attrelid = c.oid
       AND a.attnum = pt.partattrs[0]
    WHERE c.oid = p_table;

    RETURN QUERY EXECUTE format(
        $q$
        WITH window_months AS (
            SELECT ($1 + make_interval(months => m))::DATE AS month
            FROM generate_series(0, $2) AS m
        ),
        stranded AS (
            SELECT (date_trunc('month', d.%1$I AT TIME ZONE 'UTC'))::DATE AS month, count(*) AS n
            FROM %2$s AS d
            GROUP BY 1
        ),
        months AS (
            SELECT w.month FROM window_months AS w
            UNION
            SELECT s.month FROM stranded AS s
        )
        SELECT
            m.month,
            pfr_month_partition_name($3, m.month),
            to_regclass(format('%%I.%%I', $4::TEXT, pfr_month_partition_name($3, m.month))) IS NOT NULL,
            COALESCE(s.n, 0)::BIGINT,
            m.month IN (SELECT w.month FROM window_months AS w)
        FROM months AS m
        LEFT JOIN stranded AS s
            ON s.month = m.month
        ORDER BY m.month
        $q$,
        v_key,
        COALESCE(v_default::TEXT, format('(SELECT NULL::TIMESTAMPTZ AS %I WHERE FALSE)', v_key))
    )
    USING v_first_month, p_months_ahead, p_table, v_schema;
END;
$$;

COMMENT ON FUNCTION pfr_partition_months(REGCLASS, INTEGER, TIMESTAMPTZ) IS
    'The months p_table needs a partition for: from the UTC month of p_now to p_months_ahead later '
    '(in_window), and every month with rows in its default partition (stranded_rows), past or future.';

CREATE OR REPLACE FUNCTION pfr_create_month_partition(p_table REGCLASS, p_month DATE)
RETURNS TEXT
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT a.partition_name
    FROM pfr_attach_month_partition(p_table, p_month) AS a
$$;

COMMENT ON FUNCTION pfr_create_month_partition(REGCLASS, DATE) IS
    'pfr_attach_month_partition(p_table, p_month), returning the partition''s name.';

CREATE OR REPLACE FUNCTION pfr_move_stranded_rows(p_months_ahead INTEGER DEFAULT 3, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (table_name TEXT, partition_name TEXT, moved BIGINT)
LANGUAGE plpgsql
SET search_path = public, pg_catalog, pg_temp
AS $$
DECLARE
    v_table RECORD;
    v_month RECORD;
    v_made RECORD;
BEGIN
    FOR v_table IN
        SELECT c.oid::REGCLASS AS regclass, c.relname::TEXT AS relname
        FROM pg_partitioned_table AS pt
        JOIN pg_class AS c
            ON c.oid = pt.partrelid
        JOIN pg_namespace AS n
            ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()
          AND pt.partstrat = 'r'
          AND pt.partnatts = 1
          AND pt.partdefid <> 0
          AND NOT c.relispartition
        ORDER BY c.relname
    LOOP
        FOR v_month IN
            SELECT pm.month
            FROM pfr_partition_months(v_table.regclass, p_months_ahead, p_now) AS pm
            WHERE pm.stranded_rows > 0
              AND NOT pm.partition_exists
        LOOP
            SELECT * INTO v_made FROM pfr_attach_month_partition(v_table.regclass, v_month.month);
            table_name := v_table.relname;
            partition_name := v_made.partition_name;
            moved := v_made.moved;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ) IS
    'For every month with rows in a default partition and no partition (past, in the window, or far '
    'future): pfr_attach_month_partition. One row per partition made, with the rows moved. The '
    'partitions job does the same one table and month per transaction.';
