-- Undo 0012: the functions of 0004 and 0008 come back as they were (with 0011's pinned
-- search_path); partitions made meanwhile stay. Catalog-only.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '30s';
CREATE OR REPLACE FUNCTION pfr_create_month_partition(p_table REGCLASS, p_month DATE)
RETURNS TEXT
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
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

CREATE OR REPLACE FUNCTION pfr_move_stranded_rows(p_months_ahead INTEGER DEFAULT 3, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (table_name TEXT, partition_name TEXT, moved BIGINT)
LANGUAGE plpgsql
SET search_path = public, pg_catalog, pg_temp
AS $$
DECLARE
    v_table RECORD;
    v_month DATE;
    v_first_month DATE := date_trunc('month', p_now AT TIME ZONE 'UTC')::DATE;
    v_from TIMESTAMPTZ;
    v_to TIMESTAMPTZ;
    v_count BIGINT;
    v_columns TEXT;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead < 0 THEN
        RAISE EXCEPTION 'pfr_move_stranded_rows: p_months_ahead must be 0 or more, got %', p_months_ahead;
    END IF;
    IF p_now IS NULL THEN
        RAISE EXCEPTION 'pfr_move_stranded_rows: p_now must not be NULL';
    END IF;

    -- The same tables as pfr_ensure_partitions, restricted to those with a default partition.
    FOR v_table IN
        SELECT
            c.oid::REGCLASS AS regclass,
            c.relname::TEXT AS relname,
            n.nspname::TEXT AS nspname,
            d.oid::REGCLASS AS default_regclass,
            d.relname::TEXT AS default_relname,
            a.attname::TEXT AS key_column
        FROM pg_partitioned_table AS pt
        JOIN pg_class AS c
            ON c.oid = pt.partrelid
        JOIN pg_namespace AS n
            ON n.oid = c.relnamespace
        JOIN pg_class AS d
            ON d.oid = pt.partdefid
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
            CONTINUE WHEN to_regclass(format('%I.%I', v_table.nspname, pfr_month_partition_name(v_table.regclass, v_month))) IS NOT NULL;

            v_from := v_month::TIMESTAMP AT TIME ZONE 'UTC';
            v_to := (v_month::TIMESTAMP + INTERVAL '1 month') AT TIME ZONE 'UTC';
            EXECUTE format('SELECT count(*) FROM %s WHERE %I >= $1 AND %I < $2', v_table.default_regclass, v_table.key_column, v_table.key_column)
            INTO v_count
            USING v_from, v_to;
            CONTINUE WHEN v_count = 0;

            -- Stored generated columns cannot be inserted; they are computed again.
            SELECT string_agg(format('%I', att.attname), ', ' ORDER BY att.attnum)
            INTO v_columns
            FROM pg_attribute AS att
            WHERE att.attrelid = v_table.regclass
              AND att.attnum > 0
              AND NOT att.attisdropped
              AND att.attgenerated = '';

            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_table.regclass, v_table.default_regclass);
            table_name := v_table.relname;
            partition_name := pfr_create_month_partition(v_table.regclass, v_month);
            EXECUTE format(
                'WITH stranded AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING %s) '
                'INSERT INTO %I.%I (%s) SELECT %s FROM stranded',
                v_table.default_regclass, v_table.key_column, v_table.key_column, v_columns,
                v_table.nspname, partition_name, v_columns, v_columns
            )
            USING v_from, v_to;
            GET DIAGNOSTICS moved = ROW_COUNT;
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', v_table.regclass, v_table.default_regclass);
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;

DROP FUNCTION pfr_partition_months(REGCLASS, INTEGER, TIMESTAMPTZ);
DROP FUNCTION pfr_attach_month_partition(REGCLASS, DATE);
