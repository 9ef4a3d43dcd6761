-- Undo 0005 in reverse order: drop the three views.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP VIEW v_recent_issues;

DROP VIEW v_llm_cost_daily;

DROP VIEW v_processing_stats;
