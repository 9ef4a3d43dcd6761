-- Least-privilege group roles for pydal_free_repo. A DBA script, not a named query (the
-- loader skips sql/admin/): run it as a superuser in the application's database AFTER
-- `pfr migrate`, and again after every later migration; running it twice is harmless.
--
--     psql "$ADMIN_DSN" -v ON_ERROR_STOP=1 -f sql/admin/roles.sql
--
-- It creates three NOLOGIN group roles and grants to them; logins are made members:
--
--     CREATE ROLE agent LOGIN PASSWORD '...' IN ROLE pfr_writer;
--     CREATE ROLE dashboard LOGIN PASSWORD '...' IN ROLE pfr_reader;
--     CREATE ROLE maint LOGIN PASSWORD '...' IN ROLE pfr_maintainer;
--     ALTER ROLE maint SET role = 'pfr_maintainer';  -- what it creates belongs to the group
--
-- pfr_writer      SELECT, INSERT, UPDATE on the eight history tables (issue runs, LLM calls,
--                 API calls, file changes, users, workflows, nodes, generations), INSERT on
--                 the rollup markers its triggers add, SELECT on model_pricing (the pricing
--                 triggers read it), USAGE on those tables' id sequences. No DELETE, no
--                 TRUNCATE, no DDL, nothing on job_runs.
-- pfr_reader      SELECT on every table and view of the schema (the CLI and dashboards).
-- pfr_maintainer  OWNS every table, partition, view, sequence and function of the schema
--                 and may create in it: on PostgreSQL 14-16 only an owner may VACUUM a
--                 table, create or drop its partitions. It is the role that runs
--                 migrations and the maintenance jobs (pg_monitor for `pfr doctor`).
--                 It is not a superuser: no roles, no other database, no server files.

DO $$
DECLARE
    group_role TEXT;
BEGIN
    FOREACH group_role IN ARRAY ARRAY['pfr_writer', 'pfr_reader', 'pfr_maintainer'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = group_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
        END IF;
    END LOOP;
END;
$$;

-- PostgreSQL 14 lets every role create objects in public; 15 and later do not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pfr_writer, pfr_reader, pfr_maintainer;
GRANT CREATE ON SCHEMA public TO pfr_maintainer;
GRANT pg_monitor TO pfr_maintainer;

-- The maintainer owns everything in the schema. ALTER TABLE also moves the table's
-- indexes and the sequences its columns own; partitions are tables of their own.
DO $$
DECLARE
    object RECORD;
BEGIN
    FOR object IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> 'pfr_maintainer'
    LOOP
        IF object.relkind IN ('v', 'm') THEN
            EXECUTE format('ALTER %s %s OWNER TO pfr_maintainer',
                CASE object.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
                object.name);
        ELSE
            EXECUTE format('ALTER TABLE %s OWNER TO pfr_maintainer', object.name);
        END IF;
    END LOOP;
    FOR object IN
        SELECT c.oid::regclass AS name
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind = 'S'
          AND pg_get_userbyid(c.relowner) <> 'pfr_maintainer'
          AND NOT EXISTS (
              SELECT 1
              FROM pg_depend AS d
              WHERE d.classid = 'pg_class'::regclass
                AND d.objid = c.oid
                AND d.deptype IN ('a', 'i')
          )
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO pfr_maintainer', object.name);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND p.prokind = 'f'
          AND pg_get_userbyid(p.proowner) <> 'pfr_maintainer'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO pfr_maintainer', object.name);
    END LOOP;
END;
$$;

-- The writer: the history tables, the pricing it reads, the markers its triggers add.
DO $$
DECLARE
    history_table TEXT;
    id_sequence TEXT;
    marker RECORD;
BEGIN
    FOREACH history_table IN ARRAY ARRAY[
        'issue_processing_history', 'llm_call_history', 'bitbucket_api_history',
        'file_modification_history', 'users', 'workflows', 'nodes', 'generations'
    ] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO pfr_writer', history_table);
        id_sequence := pg_get_serial_sequence(quote_ident(history_table), 'id');
        IF id_sequence IS NOT NULL THEN
            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO pfr_writer', id_sequence);
        END IF;
    END LOOP;
    FOR marker IN
        SELECT c.oid::regclass AS name
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
          AND c.relkind = 'r'
          AND c.relname LIKE 'rollup\_dirty\_%'
    LOOP
        EXECUTE format('GRANT SELECT, INSERT ON %s TO pfr_writer', marker.name);
    END LOOP;
END;
$$;
GRANT SELECT ON model_pricing TO pfr_writer;
-- The span writer (OpenTelemetry exporter, LangChain handler): its idempotency keys. Its
-- staging table is a session temp table (TEMPORARY on the database, PUBLIC's by default).
GRANT SELECT, INSERT, UPDATE ON workflow_traces, workflow_spans TO pfr_writer;

-- The reader: everything readable, nothing else; and the same on what the maintainer
-- creates later (new views of a migration, new monthly partitions).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO pfr_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE pfr_maintainer IN SCHEMA public
    GRANT SELECT ON TABLES TO pfr_reader;
