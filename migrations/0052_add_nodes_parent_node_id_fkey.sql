-- A nested node's parent is a node: fk_nodes_parent_node_id. When the parent goes
-- (retention deletes whole workflows, and their nodes by cascade) the child's
-- parent_node_id becomes NULL.
--
-- Locks: NOT VALID skips the scan of existing rows (they are all NULL, so there is
-- nothing to check); adding the constraint takes SHARE ROW EXCLUSIVE on nodes (reads go
-- on, writes wait) for an instant, bounded by lock_timeout. New rows are checked from
-- then on; VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE, a scan) is left for a quiet time.
-- depends: 0051_index_nodes_parent_node_id

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes
    ADD CONSTRAINT fk_nodes_parent_node_id FOREIGN KEY (parent_node_id)
        REFERENCES nodes (id)
        ON DELETE SET NULL
        NOT VALID;
