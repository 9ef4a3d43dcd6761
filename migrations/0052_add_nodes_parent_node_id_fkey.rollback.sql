-- Undo 0052: drop the constraint (SHARE ROW EXCLUSIVE on nodes for an instant).
SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes DROP CONSTRAINT fk_nodes_parent_node_id;
