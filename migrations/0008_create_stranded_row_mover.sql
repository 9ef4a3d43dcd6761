-- Rows that arrive for a month with no partition yet land in the table's
-- default partition, and then CREATE TABLE ... PARTITION OF for that month
-- fails ("updated partition constraint for default partition would be
-- violated"). The partitions job calls pfr_move_stranded_rows() before
-- pfr_ensure_partitions(): for each month of the window that has no
-- partition but has rows in the default partition, it detaches the default
-- partition, creates the month's partition, moves the rows into it and
-- attaches the default partition again. The caller runs it in one
-- transaction with a lock_timeout, so a busy table makes it fail fast and
-- leave everything as it was, never half-moved.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): CREATE FUNCTION: catalog
-- rows only: milliseconds.
-- depends: 0006_create_job_runs

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

CREATE FUNCTION pfr_move_stranded_rows(p_months_ahead INTEGER DEFAULT 3, p_now TIMESTAMPTZ DEFAULT now())
RETURNS TABLE (table_name TEXT, partition_name TEXT, moved BIGINT)
LANGUAGE plpgsql
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

COMMENT ON FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ) IS
    'For every month from the UTC month of p_now to p_months_ahead later that has no partition yet '
    'but has rows in the default partition: detach the default partition, create the month''s '
    'partition, move the rows into it, attach the default again. One row per partition made, with '
    'the number of rows moved. Run it in one transaction with a lock_timeout. Row triggers of the '
    'table fire on the moved rows (pricing is computed again from model_pricing).';
