-- transactional: false
-- Undo 0051 without blocking writers (SHARE UPDATE EXCLUSIVE on nodes).
SET lock_timeout = '1s';

DROP INDEX CONCURRENTLY IF EXISTS idx_nodes_parent_node_id;

RESET lock_timeout;
