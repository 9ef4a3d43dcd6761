-- transactional: false
-- An index on nodes.parent_node_id, for reading a node's children and so that deleting
-- a node (fk_nodes_parent_node_id, 0052, ON DELETE SET NULL) finds them without a scan.
-- Partial: only nested nodes have a parent, so top-level nodes cost nothing.
--
-- Locks: CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on nodes, which lets
-- reads and writes go on; it scans the table twice (minutes on 100M rows) and waits for
-- transactions older than itself. lock_timeout bounds the wait for the lock itself.
-- If it fails, it leaves an INVALID index: the rollback drops it, then migrate again.
-- depends: 0050_add_nodes_parent_node_id

SET lock_timeout = '1s';
SET statement_timeout = 0;  -- the concurrent build takes as long as nodes is big

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_nodes_parent_node_id
    ON nodes (parent_node_id)
    WHERE parent_node_id IS NOT NULL;

RESET statement_timeout;
RESET lock_timeout;
