-- Undo 0010: the refresh function, the marker triggers and their
-- functions, the read views, then the rollup and marker tables. The source tables and
-- their rows are untouched.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '10min';

DROP FUNCTION pfr_rollup_refresh();

DROP VIEW v_node_performance_exact;


DROP TRIGGER trg_nodes_rollup_truncate ON nodes;

DROP TRIGGER trg_nodes_rollup_delete ON nodes;

DROP TRIGGER trg_nodes_rollup_update ON nodes;

DROP TRIGGER trg_nodes_rollup_insert ON nodes;

DROP FUNCTION pfr_rollup_node_deltas();

DROP TABLE rollup_dirty_node_durations;

DROP TABLE node_duration_counts;

DROP TRIGGER trg_fmh_default_rollup_truncate ON file_modification_history_default;

DROP TRIGGER trg_lch_default_rollup_truncate ON llm_call_history_default;

DROP TRIGGER trg_fmh_rollup_truncate ON file_modification_history;

DROP TRIGGER trg_lch_rollup_truncate ON llm_call_history;

DROP TRIGGER trg_iph_rollup_truncate ON issue_processing_history;

DROP FUNCTION pfr_rollup_truncated();

DROP TRIGGER trg_fmh_default_rollup_delete ON file_modification_history_default;

DROP TRIGGER trg_fmh_default_rollup_update ON file_modification_history_default;

DROP TRIGGER trg_fmh_default_rollup_insert ON file_modification_history_default;

DROP TRIGGER trg_fmh_rollup_delete ON file_modification_history;

DROP TRIGGER trg_fmh_rollup_update ON file_modification_history;

DROP TRIGGER trg_fmh_rollup_insert ON file_modification_history;

DROP FUNCTION pfr_rollup_mark_files();

DROP TRIGGER trg_lch_default_rollup_delete ON llm_call_history_default;

DROP TRIGGER trg_lch_default_rollup_update ON llm_call_history_default;

DROP TRIGGER trg_lch_default_rollup_insert ON llm_call_history_default;

DROP TRIGGER trg_lch_rollup_delete ON llm_call_history;

DROP TRIGGER trg_lch_rollup_update ON llm_call_history;

DROP TRIGGER trg_lch_rollup_insert ON llm_call_history;

DROP FUNCTION pfr_rollup_mark_llm_calls();

DROP TRIGGER trg_iph_rollup_delete ON issue_processing_history;

DROP TRIGGER trg_iph_rollup_update ON issue_processing_history;

DROP TRIGGER trg_iph_rollup_insert ON issue_processing_history;

DROP FUNCTION pfr_rollup_mark_issues();

DROP VIEW v_file_modification_totals;

DROP VIEW v_llm_calls_daily;

DROP VIEW v_llm_calls_hourly;

DROP VIEW v_issues_daily;

DROP VIEW v_issues_hourly;

DROP FUNCTION pfr_utc_day_ceil(TIMESTAMPTZ);

DROP FUNCTION pfr_utc_hour_ceil(TIMESTAMPTZ);

DROP FUNCTION pfr_rollup_partitions_intact(REGCLASS);

DROP FUNCTION pfr_rollup_current_partitions(REGCLASS);

DROP TABLE rollup_partitions;

DROP TABLE file_modification_totals;

DROP TABLE llm_calls_daily;

DROP TABLE llm_calls_hourly;

DROP TABLE issues_daily;

DROP TABLE issues_hourly;

DROP TABLE rollup_dirty_files;

DROP TABLE rollup_dirty_llm_call_hours;

DROP TABLE rollup_dirty_issue_hours;
