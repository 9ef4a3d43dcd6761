-- transactional: false
-- Undo 0014: drop the index without blocking node writes (SHARE UPDATE EXCLUSIVE).

SET lock_timeout = '1s';
SET statement_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS idx_nodes_node_name_created_at;

RESET statement_timeout;
RESET lock_timeout;
