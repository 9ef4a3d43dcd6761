-- Undo 0005 in reverse order: drop the three views.

DROP VIEW v_recent_issues;

DROP VIEW v_llm_cost_daily;

DROP VIEW v_processing_stats;
