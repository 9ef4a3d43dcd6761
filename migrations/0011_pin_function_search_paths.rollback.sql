-- Undo 0011: the functions resolve names through the caller's search_path again and the
-- marker triggers run as the caller. CREATE on schema public is NOT granted back to PUBLIC:
-- that would open the hole 0011 closed (and add a grant PostgreSQL 15+ never had).
-- Catalog-only, like 0011.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '30s';

ALTER FUNCTION pfr_rollup_mark_issues() SECURITY INVOKER RESET search_path;
ALTER FUNCTION pfr_rollup_mark_llm_calls() SECURITY INVOKER RESET search_path;
ALTER FUNCTION pfr_rollup_mark_files() SECURITY INVOKER RESET search_path;
ALTER FUNCTION pfr_rollup_node_deltas() SECURITY INVOKER RESET search_path;

ALTER FUNCTION pfr_price_at(TEXT, TIMESTAMPTZ) RESET search_path;
ALTER FUNCTION pfr_llm_cost(model_pricing, BIGINT, BIGINT, BIGINT) RESET search_path;
ALTER FUNCTION pfr_price_llm_call() RESET search_path;
ALTER FUNCTION pfr_set_updated_at() RESET search_path;
ALTER FUNCTION pfr_price_generation() RESET search_path;
ALTER FUNCTION pfr_month_partition_name(REGCLASS, DATE) RESET search_path;
ALTER FUNCTION pfr_create_month_partition(REGCLASS, DATE) RESET search_path;
ALTER FUNCTION pfr_ensure_partitions(INTEGER, TIMESTAMPTZ) RESET search_path;
ALTER FUNCTION pfr_default_partition_rows() RESET search_path;
ALTER FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ) RESET search_path;
ALTER FUNCTION pfr_utc_hour_ceil(TIMESTAMPTZ) RESET search_path;
ALTER FUNCTION pfr_utc_day_ceil(TIMESTAMPTZ) RESET search_path;
ALTER FUNCTION pfr_rollup_current_partitions(REGCLASS) RESET search_path;
ALTER FUNCTION pfr_rollup_partitions_intact(REGCLASS) RESET search_path;
ALTER FUNCTION pfr_rollup_truncated() RESET search_path;
ALTER FUNCTION pfr_rollup_refresh() RESET search_path;
