-- Undo 0007: drop the workflow statistics views.

DROP VIEW v_workflows_daily;
DROP VIEW v_generation_usage_daily;
DROP VIEW v_node_performance;
