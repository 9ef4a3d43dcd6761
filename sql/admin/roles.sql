-- Least-privilege group roles for pydal_free_repo. A DBA script, not a named query (the
-- loader skips sql/admin/): run it as a superuser in the application's database AFTER
-- `pfr migrate`, and again after every later migration; running it twice is harmless.
--
--     psql "$ADMIN_DSN" -v ON_ERROR_STOP=1 -f sql/admin/roles.sql
--
-- It creates four NOLOGIN group roles and grants to them; logins are made members:
--
--     CREATE ROLE agent LOGIN PASSWORD '...' IN ROLE pfr_writer;
--     CREATE ROLE collector LOGIN PASSWORD '...' IN ROLE pfr_span_writer;
--     CREATE ROLE dashboard LOGIN PASSWORD '...' IN ROLE pfr_reader;
--     CREATE ROLE auditor LOGIN PASSWORD '...' IN ROLE pfr_reader_full;
--     CREATE ROLE maint LOGIN PASSWORD '...' IN ROLE pfr_maintainer;
--     ALTER ROLE maint SET role = 'pfr_maintainer';  -- what it creates belongs to the group
--
-- pfr_writer      SELECT and INSERT on the eight history tables (issue runs, LLM calls, API
--                 calls, file changes, users, workflows, nodes, generations); UPDATE only of
--                 the columns a run's lifecycle changes (status, times, results) on
--                 issue_processing_history, workflows and nodes; the LLM calls, API calls,
--                 file changes and generations are append-only (no UPDATE: no rewriting a
--                 cost, no moving a row to another month). SELECT on model_pricing (the
--                 pricing triggers read it), USAGE on the id sequences. Nothing on the rollup
--                 markers (the triggers write them as their owner), no DELETE, no TRUNCATE,
--                 no DDL, nothing on job_runs.
-- pfr_span_writer pfr_writer plus what the OpenTelemetry exporter and LangChain handler
--                 need (see the grants below): TEMPORARY, the span tables, a root span's
--                 workflow columns, generations.node_id.
-- pfr_reader      SELECT on every table and view of the schema except contents: not
--                 users.email, issue_processing_history.issue_data, the diff and contents of
--                 file changes, the state, input, output and traceback of nodes, the prompts
--                 and output of generations (column privileges: the package's own reads
--                 never select those columns, so the CLI and dashboards work unchanged, and
--                 a SELECT * is refused rather than silently trimmed).
-- pfr_reader_full pfr_reader plus those columns (whoever may read prompts and contents).
-- pfr_maintainer  OWNS every table, partition, view, sequence and function of the schema
--                 and may create in it: on PostgreSQL 14-16 only an owner may VACUUM a
--                 table, create or drop its partitions. It is the role that runs
--                 migrations and the maintenance jobs (pg_monitor for `pfr doctor`).
--                 It is not a superuser: no roles, no other database, no server files.

--
-- Safe to run as a superuser whatever the other roles created: the script pins its own
-- search_path to pg_catalog (pg_temp last) and schema-qualifies every call and table, so
-- a function or operator planted in schema public (the maintainer may create there) is
-- never resolved by it. App roles lose TEMP (revoked from PUBLIC on this database): a
-- temporary table can shadow a table for an unpinned function (every function of the
-- package pins its search_path, since migration 0011; this is defence in depth).

SET search_path = pg_catalog, pg_temp;

DO $$
DECLARE
    group_role TEXT;
BEGIN
    FOREACH group_role IN ARRAY ARRAY['pfr_writer', 'pfr_span_writer', 'pfr_reader', 'pfr_reader_full', 'pfr_maintainer'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) group_role) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', group_role);
        END IF;
    END LOOP;
END;
$$;

-- PostgreSQL 14 lets every role create objects in public; 15 and later do not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pfr_writer, pfr_span_writer, pfr_reader, pfr_reader_full, pfr_maintainer;
GRANT CREATE ON SCHEMA public TO pfr_maintainer;
GRANT pg_monitor TO pfr_maintainer;
GRANT pfr_reader TO pfr_reader_full;

-- No temporary tables for anyone but superusers (TEMP is a PUBLIC default per database).
DO $$
BEGIN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
END;
$$;

-- The maintainer owns everything in the schema. ALTER TABLE also moves the table's
-- indexes and the sequences its columns own; partitions are tables of their own.
DO $$
DECLARE
    object RECORD;
BEGIN
    FOR object IN
        SELECT c.oid::pg_catalog.regclass AS name, c.relkind
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
          AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm']::"char"[])
          AND c.relowner OPERATOR(pg_catalog.<>) 'pfr_maintainer'::pg_catalog.regrole
    LOOP
        IF object.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[]) THEN
            EXECUTE pg_catalog.format('ALTER %s %s OWNER TO pfr_maintainer',
                CASE object.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
                object.name);
        ELSE
            EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO pfr_maintainer', object.name);
        END IF;
    END LOOP;
    FOR object IN
        SELECT c.oid::pg_catalog.regclass AS name
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
          AND c.relkind OPERATOR(pg_catalog.=) 'S'
          AND c.relowner OPERATOR(pg_catalog.<>) 'pfr_maintainer'::pg_catalog.regrole
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.pg_depend AS d
              WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND d.objid OPERATOR(pg_catalog.=) c.oid
                AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::"char"[])
          )
    LOOP
        EXECUTE pg_catalog.format('ALTER SEQUENCE %s OWNER TO pfr_maintainer', object.name);
    END LOOP;
    FOR object IN
        SELECT p.oid::pg_catalog.regprocedure AS name
        FROM pg_catalog.pg_proc AS p
        JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
        WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
          AND p.prokind OPERATOR(pg_catalog.=) 'f'
          AND p.proowner OPERATOR(pg_catalog.<>) 'pfr_maintainer'::pg_catalog.regrole
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO pfr_maintainer', object.name);
    END LOOP;
END;
$$;

-- The writer. Everything is revoked first (a table-level REVOKE also takes the column
-- grants), so a re-run after an upgrade drops grants an older script gave.
DO $$
DECLARE
    history_table TEXT;
    id_sequence TEXT;
    lifecycle RECORD;
    marker RECORD;
BEGIN
    FOREACH history_table IN ARRAY ARRAY[
        'issue_processing_history', 'llm_call_history', 'bitbucket_api_history',
        'file_modification_history', 'users', 'workflows', 'nodes', 'generations'
    ] LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON public.%I FROM pfr_writer', history_table);
        EXECUTE pg_catalog.format('GRANT SELECT, INSERT ON public.%I TO pfr_writer', history_table);
        id_sequence := pg_catalog.pg_get_serial_sequence(
            pg_catalog.format('public.%I', history_table), 'id');
        IF id_sequence IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE %s TO pfr_writer', id_sequence);
        END IF;
    END LOOP;
    -- The columns sql/issues/{claim,finish}.sql and sql/workflows/{workflow,node}_*.sql
    -- set (updated_at is the trigger's); nothing else, created_at least of all.
    FOR lifecycle IN
        SELECT * FROM (VALUES
            ('issue_processing_history', ARRAY['status', 'started_at', 'completed_at',
                'processing_duration_seconds', 'issue_summary', 'issue_data', 'pr_url',
                'branch_name', 'modified_files_count', 'error_message', 'result_data']),
            ('workflows', ARRAY['status', 'completed_at', 'final_itinerary', 'user_intent',
                'time_settings', 'date_theme', 'error_message', 'state']),
            ('nodes', ARRAY['status', 'completed_at', 'duration_ms', 'state_data',
                'output_data', 'error_message', 'error_traceback'])
        ) AS t (table_name, columns)
    LOOP
        EXECUTE pg_catalog.format('GRANT UPDATE (%s) ON public.%I TO pfr_writer',
            (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(col), ', ')
             FROM pg_catalog.unnest(lifecycle.columns) AS col
             WHERE EXISTS (
                 SELECT 1 FROM pg_catalog.pg_attribute AS a
                 WHERE a.attrelid OPERATOR(pg_catalog.=)
                         pg_catalog.format('public.%I', lifecycle.table_name)::pg_catalog.regclass
                   AND a.attname OPERATOR(pg_catalog.=) col
                   AND NOT a.attisdropped)),
            lifecycle.table_name);
    END LOOP;
    -- Earlier versions of this script let the writer insert markers directly.
    FOR marker IN
        SELECT c.oid::pg_catalog.regclass AS name
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
          AND c.relkind OPERATOR(pg_catalog.=) 'r'
          AND c.relname OPERATOR(pg_catalog.~~) 'rollup\_dirty\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM pfr_writer', marker.name);
    END LOOP;
END;
$$;
GRANT SELECT ON public.model_pricing TO pfr_writer;

-- The span writer (OpenTelemetry exporter, LangChain handler) is pfr_writer plus three
-- things the plain writer must not have: TEMPORARY (it COPYs each batch into a session
-- temp table, pg_temp.pfr_span_stage, to drop spans already stored before inserting), its
-- idempotency tables, and the workflow columns a root span fills in after its children
-- (created_at moves earlier to the root's start, user_input; workflows is not partitioned, so this
-- moves no row between partitions) and generations.node_id (a node span arriving in a
-- later batch than its generations). TEMP is safe to give here because every function
-- pins search_path with pg_temp last, so a temp table shadows nothing the package runs
-- (tests/test_security_attacks.py); the plain pfr_writer keeps no TEMP.
GRANT pfr_writer TO pfr_span_writer;
DO $$
BEGIN
    EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO pfr_span_writer',
        pg_catalog.current_database());
END;
$$;
GRANT SELECT, INSERT, UPDATE ON public.workflow_traces, public.workflow_spans TO pfr_span_writer;
GRANT UPDATE (created_at, user_input) ON public.workflows TO pfr_span_writer;
GRANT UPDATE (node_id) ON public.generations TO pfr_span_writer;

-- The readers: every table and view of the schema but the partitions (read through their
-- parent); the content columns only for pfr_reader_full. Re-run after each migration:
-- what a migration adds is not readable until then (no default privileges, so a new
-- table holding contents is never readable by accident).
ALTER DEFAULT PRIVILEGES FOR ROLE pfr_maintainer IN SCHEMA public
    REVOKE SELECT ON TABLES FROM pfr_reader;
DO $$
DECLARE
    relation RECORD;
    readable TEXT;
BEGIN
    FOR relation IN
        SELECT c.oid::pg_catalog.regclass AS name, c.relname
        FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
          AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm']::"char"[])
          AND NOT c.relispartition
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM pfr_reader, pfr_reader_full', relation.name);
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO pfr_reader_full', relation.name);
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO readable
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid OPERATOR(pg_catalog.=) relation.name
          AND a.attnum OPERATOR(pg_catalog.>) 0
          AND NOT a.attisdropped
          AND (relation.relname, a.attname::TEXT) NOT IN (
              ('users', 'email'),
              ('issue_processing_history', 'issue_data'),
              ('file_modification_history', 'diff_text'),
              ('file_modification_history', 'original_content'),
              ('file_modification_history', 'modified_content'),
              ('nodes', 'state_data'),
              ('nodes', 'input_data'),
              ('nodes', 'output_data'),
              ('nodes', 'error_traceback'),
              ('generations', 'system_prompt'),
              ('generations', 'user_prompt'),
              ('generations', 'output'),
              ('generations', 'parsed_output')
          );
        IF relation.relname OPERATOR(pg_catalog.=) ANY (ARRAY['users', 'issue_processing_history',
                'file_modification_history', 'nodes', 'generations']) THEN
            EXECUTE pg_catalog.format('GRANT SELECT (%s) ON %s TO pfr_reader', readable, relation.name);
        ELSE
            EXECUTE pg_catalog.format('GRANT SELECT ON %s TO pfr_reader', relation.name);
        END IF;
    END LOOP;
END;
$$;
