-- Functions that cannot be subverted (issue 13).
--
-- 1. Every function of 0001-0010 gets a pinned search_path (pg_catalog first, pg_temp
--    last). Unpinned, a function resolves names through the CALLER's search_path, where
--    pg_temp comes first for relations: a writer's TEMP table named rollup_dirty_llm_call_hours
--    swallowed the markers of its own LLM calls, so llm_cost() never saw them. With
--    pg_catalog first, a planted public.format(text, text) cannot outrank a built-in either.
--    The three partition functions work on the tables of current_schema(), the first
--    schema of the path, so theirs starts with public (only its owner, the maintainer,
--    may create there once PUBLIC has lost CREATE below).
-- 2. The rollup marker triggers become SECURITY DEFINER (they run as the owner, the
--    maintainer), so the writer needs no privilege on the marker tables at all:
--    sql/admin/roles.sql no longer grants it INSERT there, and a writer can no longer fill
--    them with junk that every dashboard read has to wade through. A trigger function
--    cannot be called directly, so the definer rights serve only the triggers.
-- 3. PUBLIC loses CREATE on schema public (PostgreSQL 14 still grants it; 15 and later do
--    not): a plain login could plant public.pfr_llm_cost(...) with a closer argument match
--    than ours and have every superuser's insert run it. Only the schema's owner (or a
--    superuser) can revoke it; run by anyone else this is a no-op with a WARNING, and
--    sql/admin/roles.sql (run as a superuser) revokes it again.
--
-- Locks on a busy 100M-row database: ALTER FUNCTION and REVOKE change catalog rows only
-- (no table lock, no rewrite; each takes a row lock on its pg_proc / pg_namespace row):
-- milliseconds. lock_timeout bounds the wait should anything hold those rows.
-- depends: 0010_create_rollups

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '30s';

ALTER FUNCTION pfr_price_at(TEXT, TIMESTAMPTZ) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_llm_cost(model_pricing, BIGINT, BIGINT, BIGINT) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_price_llm_call() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_set_updated_at() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_price_generation() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_month_partition_name(REGCLASS, DATE) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_create_month_partition(REGCLASS, DATE) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_ensure_partitions(INTEGER, TIMESTAMPTZ) SET search_path = public, pg_catalog, pg_temp;
ALTER FUNCTION pfr_default_partition_rows() SET search_path = public, pg_catalog, pg_temp;
ALTER FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ) SET search_path = public, pg_catalog, pg_temp;
ALTER FUNCTION pfr_utc_hour_ceil(TIMESTAMPTZ) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_utc_day_ceil(TIMESTAMPTZ) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_current_partitions(REGCLASS) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_partitions_intact(REGCLASS) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_truncated() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_refresh() SET search_path = pg_catalog, public, pg_temp;

ALTER FUNCTION pfr_rollup_mark_issues() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_mark_llm_calls() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_mark_files() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION pfr_rollup_node_deltas() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
