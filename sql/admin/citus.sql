-- Distributes pydal_free_repo's history over a Citus cluster. A DBA script, not a named
-- query (the loader skips sql/admin/): run it once as a superuser on the COORDINATOR, in
-- the application's database, after `pfr migrate` (then sql/admin/roles.sql, which
-- Citus propagates to the workers); running it again is harmless, and it is to be run
-- again after a migration that adds a history table.
--
--     psql "$COORDINATOR_ADMIN_DSN" -v ON_ERROR_STOP=1 -f sql/admin/citus.sql
--
-- THE DESIGN, in five lines
--   1. Issue runs and their files, LLM calls and API calls: distributed on issue_key,
--      co-located (a run and everything it did live on one shard).
--   2. Workflows on id; their nodes, generations and recorded traces and spans
--      (workflow_traces, workflow_spans) on workflow_id, co-located.
--   3. Reference tables (a copy on every node): model_pricing and users.
--   4. Local to the coordinator: job_runs, the migration log and the rollup tables.
--   5. updated_at triggers run on the shards; the rollup markers do not exist
--      on Citus: the dashboard views aggregate the raw rows, in parallel on every shard.
--
-- WHY issue_key AND NOT THE RUN ID. The package's central promise is that the database
-- refuses a second active run of an issue key (uq_iph_active_issue_key, a partial unique
-- index on issue_key; a claim is INSERT ... ON CONFLICT against it). Citus enforces a
-- unique index only on each shard, so it accepts one only if it contains the
-- distribution column. Distributed on the run id, two claims of one key would land on two
-- shards and both win: the refusal would become an application-level convention
-- (advisory locks that every client must remember, and that a client connected to a
-- worker would bypass). Distributed on issue_key, the index stays exactly what it is and
-- a claim is a single-shard statement (all of its CTE filters on issue_key). The price:
-- the children must carry issue_key to be co-located (migration 0040 added the column and
-- every write path fills it from the run: record_*.sql read it in the same statement, the
-- buffered writer once per batch), and a statement that names only a run id (record a
-- call, finish a run, a run's detail) fans out to every shard to find the run's key,
-- where the shard's primary-key index answers; a COPY batch does that once.
--
-- KEYS. Citus also needs the distribution column in every primary key and in both sides
-- of every foreign key between distributed tables. This script, not a migration, changes
-- those keys: on plain PostgreSQL they would buy nothing and cost a rebuild of every
-- index of a 100M-row table (and foreign keys on partitioned tables cannot be added NOT
-- VALID before PostgreSQL 18), while here create_distributed_table rewrites every row
-- anyway. The constraint names stay the same, so errors map as before:
--   pk_issue_processing_history (id) -> (id, issue_key)
--   pk_{file_modification,llm_call,bitbucket_api}_history (id, created_at)
--       -> (id, created_at, issue_key);  fk_*_history_id (history_id) -> (history_id,
--       issue_key) REFERENCES issue_processing_history (id, issue_key) ON DELETE CASCADE
--   pk_nodes (id) -> (id, workflow_id);  pk_generations (id, created_at)
--       -> (id, created_at, workflow_id);  fk_generations_node_id (node_id)
--       -> (workflow_id, node_id) REFERENCES nodes (workflow_id, id), and NO ACTION instead
--       of SET NULL: Citus refuses SET NULL on a key that holds the distribution column.
--       The package deletes nodes only with their workflow (retention), whose cascade
--       deletes the generations in the same statement; deleting one node that has
--       generations is refused on Citus instead of unlinking them. The same for
--       fk_nodes_parent_node_id (parent_node_id) -> (workflow_id, parent_node_id), and
--       fk_workflow_spans_node_id (node_id) -> (workflow_id, node_id).
--   pk_workflow_traces (trace_id) -> (trace_id, workflow_id);  pk_workflow_spans
--       (trace_id, span_id) -> (trace_id, span_id, workflow_id). A trace has one workflow
--       (uq_workflow_traces_workflow_id, kept as is) and the span writer stages a batch
--       under an advisory lock per trace, on the coordinator, so a trace or span is still
--       stored once; the keys are the backstop they were, now per workflow.
--   issue_processing_history.issue_key VARCHAR(50) -> TEXT with a CHECK of its length
--       (with VARCHAR, the foreign-key check PostgreSQL runs when a new monthly partition is
--       made compares issue_key::text, which Citus does not take for a co-located join)
-- Foreign keys to model_pricing and users are dropped before those become reference
-- tables and added back afterwards (distributed -> reference is allowed).
--
-- TRIGGERS. Citus refuses to distribute a table with triggers unless
-- citus.enable_unsafe_triggers is on; then each trigger runs on each shard, on the worker.
-- That is right for the row triggers: pfr_set_updated_at writes only the new row, and
-- model_pricing's append-only trigger (migration 0021) reads only the row it refuses.
-- (Costs are computed in Python at write time since 0021, so no pricing trigger is left
-- to run on a shard, and no pricing_id foreign key to add back.) The setting is made
-- permanent for the database so that a later CREATE TRIGGER or a new partition works.
-- The rollup markers of migration 0010 are statement triggers that insert into
-- coordinator-local tables in the writer's transaction: on a worker those tables do not
-- exist, and making them distributed would make every shard statement a distributed write
-- of its own. So Citus mode does the exact thing another way: the marker triggers are
-- dropped and the views the dashboard reads (v_issues_hourly, v_issues_daily,
-- v_llm_calls_hourly, v_llm_calls_daily, v_file_modification_totals,
-- v_node_performance_exact) are replaced by the plain aggregates of the raw rows they
-- stand for; Citus computes them on every shard in parallel and merges the partial
-- aggregates on the coordinator. The rollup tables stay, unread (the rollups job finds no
-- marker and has nothing to do). One caveat, Citus's and not this design's: a read across
-- shards is not one snapshot of the whole cluster; a run committed while the query runs
-- may be seen on one shard and not yet on another.
--
-- WHAT STAYS LOCAL: job_runs (the scheduler's own log, written by the coordinator's
-- jobs), the yoyo tables, the rollup tables, rollup_partitions.
--
-- A table the script does not know (a later migration's) is left local and reported by
-- the check at the end, which lists every table of the schema and its Citus kind.

\set ON_ERROR_STOP on

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'citus.sql: the citus extension is not installed in database %', current_database();
    END IF;
    IF to_regclass('issue_processing_history') IS NULL THEN
        RAISE EXCEPTION 'citus.sql: run `pfr migrate` first (no issue_processing_history here)';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = 'llm_call_history'::REGCLASS AND attname = 'issue_key' AND NOT attisdropped
    ) THEN
        RAISE EXCEPTION 'citus.sql: migration 0040 (issue_key on the run children) is not applied';
    END IF;
END;
$$;

-- Columnar storage for old months (CALL alter_old_partitions_set_access_method(...), see
-- docs/SCALING.md); Citus creates the extension on the workers too.
CREATE EXTENSION IF NOT EXISTS citus_columnar;

SET citus.enable_unsafe_triggers = on;
-- DDL on a distributed table in one transaction with other work: use one connection per
-- worker, so that later statements in the same transaction see what earlier ones did.
SET citus.multi_shard_modify_mode = 'sequential';
SELECT format('ALTER DATABASE %I SET citus.enable_unsafe_triggers = on', current_database()) \gexec
-- Joins of a run's children to runs on history_id = id (file history, analytics) are not on
-- the distribution column; Citus runs them as repartition joins, off by default.
SELECT format('ALTER DATABASE %I SET citus.enable_repartition_joins = on', current_database()) \gexec

-- The history tables and how each is placed. A table already placed is skipped below.
CREATE TEMP TABLE pfr_citus_plan (
    table_name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- reference | distributed
    column_name TEXT,
    colocate_with TEXT,
    step INTEGER NOT NULL
);

INSERT INTO pfr_citus_plan (table_name, kind, column_name, colocate_with, step)
VALUES
    ('model_pricing', 'reference', NULL, NULL, 1),
    ('users', 'reference', NULL, NULL, 2),
    ('issue_processing_history', 'distributed', 'issue_key', 'none', 3),
    ('file_modification_history', 'distributed', 'issue_key', 'issue_processing_history', 4),
    ('llm_call_history', 'distributed', 'issue_key', 'issue_processing_history', 5),
    ('bitbucket_api_history', 'distributed', 'issue_key', 'issue_processing_history', 6),
    ('workflows', 'distributed', 'id', 'none', 7),
    ('nodes', 'distributed', 'workflow_id', 'workflows', 8),
    ('generations', 'distributed', 'workflow_id', 'workflows', 9),
    ('workflow_traces', 'distributed', 'workflow_id', 'workflows', 10),
    ('workflow_spans', 'distributed', 'workflow_id', 'workflows', 11);

-- A table of the plan that the migrations applied here have not made (the span tables
-- before 0032) is left out, so the script also runs on an older schema.
DELETE FROM pfr_citus_plan WHERE to_regclass(table_name) IS NULL;

-- 1. Rows written before migration 0040 get their run's issue_key, one partition and one
--    transaction at a time (a no-op on a database created after 0040).
DO $$
DECLARE
    v_part RECORD;
    v_rows BIGINT;
BEGIN
    FOR v_part IN
        SELECT c.oid::REGCLASS AS part
        FROM pg_inherits AS i
        JOIN pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('file_modification_history'::REGCLASS, 'llm_call_history'::REGCLASS,
                              'bitbucket_api_history'::REGCLASS)
          AND NOT EXISTS (SELECT 1 FROM pg_dist_partition AS p WHERE p.logicalrelid = i.inhparent)
        ORDER BY 1
    LOOP
        EXECUTE format(
            'UPDATE %s AS child SET issue_key = iph.issue_key FROM issue_processing_history AS iph '
            'WHERE child.issue_key IS NULL AND iph.id = child.history_id', v_part.part);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows > 0 THEN
            RAISE NOTICE 'citus.sql: % rows of % got their run''s issue_key', v_rows, v_part.part;
        END IF;
        COMMIT;
    END LOOP;
END;
$$;

-- 2. The rollup marker triggers (statement triggers of migration 0010, on the tables and
--    their default partitions) go; see TRIGGERS above.
DO $$
DECLARE
    v_trigger RECORD;
BEGIN
    FOR v_trigger IN
        SELECT t.tgname, t.tgrelid::REGCLASS AS rel
        FROM pg_trigger AS t
        JOIN pg_proc AS p ON p.oid = t.tgfoid
        WHERE NOT t.tgisinternal
          AND p.proname LIKE 'pfr\_rollup\_%'
        ORDER BY 2, 1
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', v_trigger.tgname, v_trigger.rel);
    END LOOP;
END;
$$;

-- 3. Keys and foreign keys, for the tables not distributed yet: the foreign keys among the
--    planned tables go (their definitions kept), the primary keys gain the distribution
--    column, and the foreign keys come back after step 4, rewritten where the design says.
-- A real table, not a temporary one: if a run stops between dropping and re-adding the
-- foreign keys, the next run still knows what to add back. Dropped when empty (step 4).
CREATE TABLE IF NOT EXISTS pfr_citus_foreign_keys (
    table_name TEXT NOT NULL,
    constraint_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (table_name, constraint_name)
);

DO $$
DECLARE
    v_fk RECORD;
BEGIN
    FOR v_fk IN
        SELECT con.conrelid::REGCLASS::TEXT AS table_name, con.conname, pg_get_constraintdef(con.oid) AS def
        FROM pg_constraint AS con
        WHERE con.contype = 'f'
          AND con.conparentid = 0
          AND (con.conrelid::REGCLASS::TEXT IN (SELECT table_name FROM pfr_citus_plan)
               OR con.confrelid::REGCLASS::TEXT IN (SELECT table_name FROM pfr_citus_plan))
          AND NOT EXISTS (SELECT 1 FROM pg_dist_partition AS p WHERE p.logicalrelid = con.conrelid)
    LOOP
        INSERT INTO pfr_citus_foreign_keys VALUES (v_fk.table_name, v_fk.conname, v_fk.def);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', v_fk.table_name, v_fk.conname);
    END LOOP;

    -- Foreign keys to a run or a node must name the distribution column on both sides.
    UPDATE pfr_citus_foreign_keys
    SET definition = 'FOREIGN KEY (history_id, issue_key) REFERENCES issue_processing_history (id, issue_key) ON DELETE CASCADE'
    WHERE constraint_name IN ('fk_fmh_history_id', 'fk_lch_history_id', 'fk_bah_history_id');
    UPDATE pfr_citus_foreign_keys
    SET definition = 'FOREIGN KEY (workflow_id, node_id) REFERENCES nodes (workflow_id, id)'
    WHERE constraint_name = 'fk_generations_node_id';
    UPDATE pfr_citus_foreign_keys
    SET definition = 'FOREIGN KEY (workflow_id, parent_node_id) REFERENCES nodes (workflow_id, id)'
    WHERE constraint_name = 'fk_nodes_parent_node_id';
    UPDATE pfr_citus_foreign_keys
    SET definition = 'FOREIGN KEY (workflow_id, node_id) REFERENCES nodes (workflow_id, id)'
    WHERE constraint_name = 'fk_workflow_spans_node_id';
END;
$$;

-- issue_key becomes TEXT on the runs (the children's copy is TEXT already), with its
-- 50-character rule kept as a CHECK. With VARCHAR, the query PostgreSQL runs to validate
-- a foreign key compares issue_key::text on both sides, and Citus 13 does not recognise
-- that as a join on the distribution column: every new monthly partition of a child
-- table would fail to be created. VARCHAR to TEXT rewrites nothing and keeps the indexes;
-- views that read the column are dropped and made again around it (their definitions,
-- comments kept).
DO $$
DECLARE
    v_view RECORD;
BEGIN
    IF (SELECT atttypid FROM pg_attribute
        WHERE attrelid = 'issue_processing_history'::REGCLASS AND attname = 'issue_key') = 'text'::REGTYPE THEN
        RETURN;
    END IF;
    CREATE TEMP TABLE pfr_citus_views ON COMMIT DROP AS
    SELECT DISTINCT v.oid::REGCLASS::TEXT AS name, pg_get_viewdef(v.oid) AS definition,
           obj_description(v.oid, 'pg_class') AS comment
    FROM pg_depend AS d
    JOIN pg_rewrite AS r ON r.oid = d.objid
    JOIN pg_class AS v ON v.oid = r.ev_class
    JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_rewrite'::REGCLASS
      AND d.refobjid = 'issue_processing_history'::REGCLASS
      AND a.attname = 'issue_key'
      AND v.oid <> d.refobjid;
    FOR v_view IN SELECT * FROM pfr_citus_views LOOP
        EXECUTE format('DROP VIEW %s', v_view.name);
    END LOOP;
    ALTER TABLE issue_processing_history ALTER COLUMN issue_key TYPE TEXT;
    ALTER TABLE issue_processing_history
        ADD CONSTRAINT check_iph_issue_key_length CHECK (char_length(issue_key) <= 50);
    FOR v_view IN SELECT * FROM pfr_citus_views LOOP
        EXECUTE format('CREATE VIEW %s AS %s', v_view.name, v_view.definition);
        IF v_view.comment IS NOT NULL THEN
            EXECUTE format('COMMENT ON VIEW %s IS %L', v_view.name, v_view.comment);
        END IF;
    END LOOP;
END;
$$;

DO $$
DECLARE
    v_key RECORD;
BEGIN
    FOR v_key IN
        SELECT * FROM (VALUES
            ('issue_processing_history', 'pk_issue_processing_history', 'id, issue_key', 'issue_key'),
            ('file_modification_history', 'pk_file_modification_history', 'id, created_at, issue_key', 'issue_key'),
            ('llm_call_history', 'pk_llm_call_history', 'id, created_at, issue_key', 'issue_key'),
            ('bitbucket_api_history', 'pk_bitbucket_api_history', 'id, created_at, issue_key', 'issue_key'),
            ('nodes', 'pk_nodes', 'id, workflow_id', 'workflow_id'),
            ('generations', 'pk_generations', 'id, created_at, workflow_id', 'workflow_id'),
            ('workflow_traces', 'pk_workflow_traces', 'trace_id, workflow_id', 'workflow_id'),
            ('workflow_spans', 'pk_workflow_spans', 'trace_id, span_id, workflow_id', 'workflow_id')
        ) AS k (table_name, constraint_name, columns, dist_column)
    LOOP
        CONTINUE WHEN to_regclass(v_key.table_name) IS NULL;
        -- Already done when the key holds the distribution column.
        CONTINUE WHEN EXISTS (
            SELECT 1
            FROM pg_constraint AS con
            JOIN pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
            WHERE con.conrelid = v_key.table_name::REGCLASS
              AND con.conname = v_key.constraint_name
              AND a.attname = v_key.dist_column
        );
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', v_key.table_name, v_key.constraint_name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (%s)',
                       v_key.table_name, v_key.constraint_name, v_key.columns);
    END LOOP;
END;
$$;

-- 4. Reference tables, then the distributed tables, co-located, in plan order.
DO $$
DECLARE
    v_table RECORD;
BEGIN
    FOR v_table IN
        SELECT * FROM pfr_citus_plan ORDER BY step
    LOOP
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_dist_partition AS p WHERE p.logicalrelid = v_table.table_name::REGCLASS
        );
        IF v_table.kind = 'reference' THEN
            PERFORM create_reference_table(v_table.table_name);
        ELSE
            PERFORM create_distributed_table(v_table.table_name, v_table.column_name,
                                             colocate_with => v_table.colocate_with);
        END IF;
        -- The rows now live on the shards; the coordinator's copy is dead weight.
        PERFORM truncate_local_data_after_distributing_table(v_table.table_name);
    END LOOP;
END;
$$;

DO $$
DECLARE
    v_fk RECORD;
BEGIN
    FOR v_fk IN
        SELECT * FROM pfr_citus_foreign_keys ORDER BY table_name, constraint_name
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_constraint
            WHERE conrelid = v_fk.table_name::REGCLASS AND conname = v_fk.constraint_name
        ) THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', v_fk.table_name, v_fk.constraint_name, v_fk.definition);
        END IF;
        DELETE FROM pfr_citus_foreign_keys
        WHERE table_name = v_fk.table_name AND constraint_name = v_fk.constraint_name;
    END LOOP;
END;
$$;

DROP TABLE pfr_citus_foreign_keys;

-- 5. The workers need the functions the shard triggers call (pfr_price_at, pfr_llm_cost,
--     ...): Citus copies a trigger's own function to the workers, not what its body calls.
--     Every pfr_* function is offered, now that the reference tables (whose row types some
--     take, like pfr_price_at's model_pricing) exist on the workers; one whose body needs a
--     coordinator-only table (the rollup functions) cannot be created on a worker and stays
--     on the coordinator. Then every pfr_* function a trigger function calls must be there.
DO $$
DECLARE
    v_function RECORD;
BEGIN
    FOR v_function IN
        SELECT p.oid::REGPROCEDURE AS signature
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema()
          AND p.proname LIKE 'pfr\_%'
          AND p.prokind = 'f'
          AND NOT EXISTS (
            SELECT 1 FROM pg_dist_object AS o
            WHERE o.classid = 'pg_proc'::REGCLASS AND o.objid = p.oid
          )
        ORDER BY 1
    LOOP
        BEGIN
            PERFORM create_distributed_function(v_function.signature);
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'citus.sql: % stays on the coordinator (%)', v_function.signature, SQLERRM;
        END;
    END LOOP;
END;
$$;

DO $$
DECLARE
    v_missing TEXT;
BEGIN
    SELECT string_agg(DISTINCT called.name, ', ')
    INTO v_missing
    FROM pg_trigger AS t
    JOIN pg_proc AS f ON f.oid = t.tgfoid
    CROSS JOIN LATERAL (
        SELECT m[1] AS name FROM regexp_matches(f.prosrc, '(pfr_[a-z0-9_]+)\s*\(', 'g') AS m
    ) AS called
    JOIN pg_proc AS p ON p.proname = called.name
    WHERE NOT t.tgisinternal
      AND NOT EXISTS (
        SELECT 1 FROM pg_dist_object AS o
        WHERE o.classid = 'pg_proc'::REGCLASS AND o.objid = p.oid
      );
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'citus.sql: trigger functions call %, which could not be created on the workers', v_missing;
    END IF;
END;
$$;

-- 5b. The functions that make or move partitions (pfr_ensure_partitions and the like: their
--     bodies run CREATE TABLE / ATTACH / DETACH) run their DDL on one connection per worker.
--     In parallel mode, a transaction that creates partitions of several co-located tables
--     deadlocks with itself on the workers (Citus cancels it as a distributed deadlock).
--     A later migration that replaces such a function drops this setting: run the script
--     again after migrating (as the header says).
DO $$
DECLARE
    v_function RECORD;
BEGIN
    FOR v_function IN
        SELECT p.oid::REGPROCEDURE AS signature
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema()
          AND p.proname LIKE 'pfr\_%'
          AND p.prosrc ~* '(CREATE TABLE|ATTACH PARTITION|DETACH PARTITION)'
          AND NOT coalesce('citus.multi_shard_modify_mode=sequential' = ANY (p.proconfig), FALSE)
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET citus.multi_shard_modify_mode = %L',
                       v_function.signature, 'sequential');
    END LOOP;
END;
$$;

-- 6. The dashboard's views, as the raw aggregates they equal (see TRIGGERS above). Same
--    names, columns and types, so every query of sql/ reads them unchanged.
CREATE OR REPLACE VIEW v_issues_hourly AS
SELECT
    date_trunc('hour', iph.created_at, 'UTC') AS hour,
    iph.status,
    COUNT(*) AS runs,
    COUNT(*) FILTER (WHERE iph.result_data ->> 'status' = 'no_changes') AS no_changes,
    COUNT(iph.processing_duration_seconds) AS duration_count,
    COALESCE(SUM(iph.processing_duration_seconds), 0)::BIGINT AS duration_sum,
    COUNT(iph.modified_files_count) AS files_count,
    COALESCE(SUM(iph.modified_files_count), 0)::BIGINT AS files_sum
FROM issue_processing_history AS iph
GROUP BY
    date_trunc('hour', iph.created_at, 'UTC'),
    iph.status;

CREATE OR REPLACE VIEW v_issues_daily AS
SELECT
    (iph.created_at AT TIME ZONE 'UTC')::DATE AS day,
    iph.status,
    COUNT(*)::NUMERIC AS runs,
    (COUNT(*) FILTER (WHERE iph.result_data ->> 'status' = 'no_changes'))::NUMERIC AS no_changes,
    COUNT(iph.processing_duration_seconds)::NUMERIC AS duration_count,
    COALESCE(SUM(iph.processing_duration_seconds), 0)::NUMERIC AS duration_sum,
    COUNT(iph.modified_files_count)::NUMERIC AS files_count,
    COALESCE(SUM(iph.modified_files_count), 0)::NUMERIC AS files_sum
FROM issue_processing_history AS iph
GROUP BY
    (iph.created_at AT TIME ZONE 'UTC')::DATE,
    iph.status;

CREATE OR REPLACE VIEW v_llm_calls_hourly AS
SELECT
    date_trunc('hour', lch.created_at, 'UTC') AS hour,
    lch.call_type,
    lch.model,
    COUNT(*) AS calls,
    COUNT(*) FILTER (WHERE lch.cache_hit) AS cache_hits,
    COUNT(lch.total_tokens) AS tokens_count,
    COALESCE(SUM(lch.total_tokens), 0)::BIGINT AS tokens_sum,
    COUNT(lch.estimated_cost) AS priced_calls,
    COALESCE(SUM(lch.estimated_cost), 0)::NUMERIC AS cost_sum,
    COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ) AS unknown_usage_calls,
    COALESCE(SUM(lch.prompt_tokens), 0)::BIGINT AS prompt_tokens_sum,
    COALESCE(SUM(lch.cached_input_tokens), 0)::BIGINT AS cached_input_tokens_sum,
    COALESCE(SUM(lch.cache_write_input_tokens), 0)::BIGINT AS cache_write_input_tokens_sum,
    COALESCE(SUM(lch.completion_tokens), 0)::BIGINT AS completion_tokens_sum,
    COALESCE(SUM(lch.reasoning_tokens), 0)::BIGINT AS reasoning_tokens_sum
FROM llm_call_history AS lch
GROUP BY
    date_trunc('hour', lch.created_at, 'UTC'),
    lch.call_type,
    lch.model;

CREATE OR REPLACE VIEW v_llm_calls_daily AS
SELECT
    (lch.created_at AT TIME ZONE 'UTC')::DATE AS day,
    lch.call_type,
    lch.model,
    COUNT(*)::NUMERIC AS calls,
    (COUNT(*) FILTER (WHERE lch.cache_hit))::NUMERIC AS cache_hits,
    COUNT(lch.total_tokens)::NUMERIC AS tokens_count,
    COALESCE(SUM(lch.total_tokens), 0)::NUMERIC AS tokens_sum,
    COUNT(lch.estimated_cost)::NUMERIC AS priced_calls,
    COALESCE(SUM(lch.estimated_cost), 0)::NUMERIC AS cost_sum,
    (COUNT(*) FILTER (
        WHERE lch.estimated_cost IS NULL
          AND lch.prompt_tokens IS NULL
          AND lch.completion_tokens IS NULL
    ))::NUMERIC AS unknown_usage_calls,
    COALESCE(SUM(lch.prompt_tokens), 0)::NUMERIC AS prompt_tokens_sum,
    COALESCE(SUM(lch.cached_input_tokens), 0)::NUMERIC AS cached_input_tokens_sum,
    COALESCE(SUM(lch.cache_write_input_tokens), 0)::NUMERIC AS cache_write_input_tokens_sum,
    COALESCE(SUM(lch.completion_tokens), 0)::NUMERIC AS completion_tokens_sum,
    COALESCE(SUM(lch.reasoning_tokens), 0)::NUMERIC AS reasoning_tokens_sum
FROM llm_call_history AS lch
GROUP BY
    (lch.created_at AT TIME ZONE 'UTC')::DATE,
    lch.call_type,
    lch.model;

CREATE OR REPLACE VIEW v_file_modification_totals AS
SELECT
    fmh.file_path,
    COUNT(*) AS modification_count,
    COUNT(DISTINCT fmh.history_id) AS unique_issues,
    MAX(fmh.created_at) AS last_modified
FROM file_modification_history AS fmh
GROUP BY fmh.file_path;

CREATE OR REPLACE VIEW v_node_performance_exact AS
SELECT
    np.node_name,
    np.calls,
    np.completed,
    np.failures,
    np.failure_rate,
    np.avg_duration_ms,
    np.p50_duration_ms,
    np.p95_duration_ms,
    np.max_duration_ms,
    np.last_run_at
FROM v_node_performance AS np;

-- 7. Where every table of the schema now is (the "kind" column is what to check).
SELECT
    c.relname AS table_name,
    COALESCE(ct.citus_table_type, 'local (coordinator)') AS kind,
    ct.distribution_column,
    ct.colocation_id,
    ct.shard_count
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN citus_tables AS ct ON ct.table_name = c.oid::REGCLASS
WHERE n.nspname = current_schema()
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY kind, c.relname;
