-- ANALYZE one (partitioned) table so the planner has statistics for the parent.
ANALYZE {schema}.{table}
