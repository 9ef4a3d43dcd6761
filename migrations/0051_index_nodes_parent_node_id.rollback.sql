-- transactional: false
-- Undo 0051 without blocking writers (SHARE UPDATE EXCLUSIVE on nodes).
SET lock_timeout = '1s';
SET statement_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS idx_nodes_parent_node_id;

RESET statement_timeout;
RESET lock_timeout;
