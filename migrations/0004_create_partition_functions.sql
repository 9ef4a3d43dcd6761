-- Monthly partitions are made ahead of time by SQL functions that the
-- scheduler's partitions job calls (and that this migration calls once, so
-- the current month and the next three exist as soon as the schema does).
-- The functions discover the partitioned tables from the catalog, so a new
-- partitioned table needs no change here.
--
-- Partition bounds are in UTC: the partition for month M holds rows with
-- created_at from M-01 00:00 UTC up to the first of the next month 00:00
-- UTC, whatever the session TimeZone.
--
-- Rows that fit no monthly partition land in the table's default partition
-- (<table>_default). CREATE TABLE ... PARTITION OF fails if the default
-- partition already holds rows in the new partition's range; the
-- partitions job reports such rows (pfr_default_partition_rows) so they can
-- be moved out before the partition is created.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): Creates functions and the
-- first monthly partitions of the tables 0002-0003 just made (empty): milliseconds.
-- depends: 0003_create_workflow_tables

-- The one place partition names are made: <table>_pYYYYMM.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';
CREATE FUNCTION pfr_month_partition_name(p_table REGCLASS, p_month DATE)
RETURNS TEXT
LANGUAGE sql
STABLE
AS $$
    SELECT c.relname || '_p' || to_char(p_month, 'YYYYMM')
    FROM pg_class AS c
    WHERE c.oid = p_table
$$;

COMMENT ON FUNCTION pfr_month_partition_name(REGCLASS, DATE) IS
    'Name of the monthly partition of p_table that holds p_month: <table>_pYYYYMM.';

CREATE FUNCTION pfr_create_month_partition(p_table REGCLASS, p_month DATE)
RETURNS TEXT
LANGUAGE plpgsql
AS $$
DECLARE
    v_schema NAME;
    v_name TEXT := pfr_month_partition_name(p_table, p_month);
    -- Month start at UTC midnight: the bounds do not depend on the session TimeZone.
    v_from TIMESTAMPTZ := date_trunc('month', p_month::TIMESTAMP) AT TIME ZONE 'UTC';
    v_to TIMESTAMPTZ := (date_trunc('month', p_month::TIMESTAMP) + INTERVAL '1 month') AT TIME ZONE 'UTC';
    v_existing_parent OID;
    v_existing BOOLEAN;
BEGIN
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'pfr_create_month_partition: p_month must not be NULL';
    END IF;
    IF octet_length(v_name) > 63 THEN
        RAISE EXCEPTION 'pfr_create_month_partition: partition name % is longer than 63 bytes', v_name;
    END IF;

    SELECT n.nspname
    INTO v_schema
    FROM pg_class AS c
    JOIN pg_namespace AS n
        ON n.oid = c.relnamespace
    WHERE c.oid = p_table;

    -- Two sessions creating the same partition at once: the second waits,
    -- then finds it.
    PERFORM pg_advisory_xact_lock(hashtext('pfr_create_month_partition'), hashtext(v_schema || '.' || v_name));

    SELECT TRUE, i.inhparent
    INTO v_existing, v_existing_parent
    FROM pg_class AS c
    JOIN pg_namespace AS n
        ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits AS i
        ON i.inhrelid = c.oid
    WHERE n.nspname = v_schema
      AND c.relname = v_name;

    IF v_existing THEN
        IF v_existing_parent IS DISTINCT FROM p_table::OID THEN
            RAISE EXCEPTION 'pfr_create_month_partition: %.% exists but is not a partition of %', v_schema, v_name, p_table;
        END IF;
        RETURN v_name;
    END IF;

    -- Bounds are written as explicit UTC literals, independent of DateStyle and TimeZone.
    EXECUTE format(
        'CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
        v_schema,
        v_name,
        p_table,
        to_char(v_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00',
        to_char(v_to AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'
    );
    EXECUTE format(
        'COMMENT ON TABLE %I.%I IS %L',
        v_schema,
        v_name,
        format('Monthly partition of %s for %s (UTC).', p_table, to_char(p_month, 'YYYY-MM'))
    );
    RETURN v_name;
END;
$$;

COMMENT ON FUNCTION pfr_create_month_partition(REGCLASS, DATE) IS
    'Creates the monthly partition <table>_pYYYYMM of p_table for the month of p_month '
    '(bounds at UTC midnight) unless it exists; returns its name. Fails if the default '
    'partition holds rows in that month.';

CREATE FUNCTION pfr_ensure_partitions(p_months_ahead INTEGER DEFAULT 3, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (table_name TEXT, partition_name TEXT, created BOOLEAN)
LANGUAGE plpgsql
AS $$
DECLARE
    v_table RECORD;
    v_month DATE;
    v_first_month DATE := date_trunc('month', p_now AT TIME ZONE 'UTC')::DATE;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead < 0 THEN
        RAISE EXCEPTION 'pfr_ensure_partitions: p_months_ahead must be 0 or more, got %', p_months_ahead;
    END IF;
    IF p_now IS NULL THEN
        RAISE EXCEPTION 'pfr_ensure_partitions: p_now must not be NULL';
    END IF;

    -- Every table of the current schema that is range-partitioned on a
    -- single timestamptz column (not itself a partition).
    FOR v_table IN
        SELECT
            c.oid::REGCLASS AS regclass,
            c.relname::TEXT AS relname
        FROM pg_partitioned_table AS pt
        JOIN pg_class AS c
            ON c.oid = pt.partrelid
        JOIN pg_namespace AS n
            ON n.oid = c.relnamespace
        JOIN pg_attribute AS a
            ON a.attrelid = c.oid
           AND a.attnum = pt.partattrs[0]
        WHERE n.nspname = current_schema()
          AND pt.partstrat = 'r'
          AND pt.partnatts = 1
          AND a.atttypid = 'timestamptz'::REGTYPE
          AND NOT c.relispartition
        ORDER BY c.relname
    LOOP
        FOR v_month IN
            SELECT (v_first_month + make_interval(months => m))::DATE
            FROM generate_series(0, p_months_ahead) AS m
        LOOP
            table_name := v_table.relname;
            partition_name := pfr_month_partition_name(v_table.regclass, v_month);
            created := to_regclass(format('%I.%I', current_schema(), partition_name)) IS NULL;
            IF created THEN
                PERFORM pfr_create_month_partition(v_table.regclass, v_month);
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pfr_ensure_partitions(INTEGER, TIMESTAMPTZ) IS
    'Creates the monthly partitions of every range-partitioned table of the current schema, '
    'from the UTC month of p_now to p_months_ahead months later; one row per table and month, '
    'created = false when it already existed. Pass p_now to move time in tests.';

CREATE FUNCTION pfr_default_partition_rows()
RETURNS TABLE (table_name TEXT, default_partition TEXT, row_count BIGINT)
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_table RECORD;
BEGIN
    FOR v_table IN
        SELECT
            c.relname::TEXT AS relname,
            d.oid::REGCLASS AS default_regclass,
            d.relname::TEXT AS default_relname
        FROM pg_partitioned_table AS pt
        JOIN pg_class AS c
            ON c.oid = pt.partrelid
        JOIN pg_namespace AS n
            ON n.oid = c.relnamespace
        JOIN pg_class AS d
            ON d.oid = pt.partdefid
        WHERE n.nspname = current_schema()
          AND NOT c.relispartition
        ORDER BY c.relname
    LOOP
        table_name := v_table.relname;
        default_partition := v_table.default_relname;
        EXECUTE format('SELECT count(*) FROM %s', v_table.default_regclass)
        INTO row_count;
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pfr_default_partition_rows() IS
    'For every partitioned table of the current schema that has a default partition: the '
    'number of rows in it. Anything above 0 means monthly partitions are missing.';

-- The current month and the next three, from the migration on. A DO block,
-- not a SELECT: yoyo would print a SELECT's rows to the migrating
-- program's standard output.
DO $$
BEGIN
    PERFORM count(*)
    FROM pfr_ensure_partitions(3);
END;
$$;
