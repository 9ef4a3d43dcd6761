-- Undo 0007: drop the workflow statistics views.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP VIEW v_workflows_daily;
DROP VIEW v_generation_usage_daily;
DROP VIEW v_node_performance;
