-- Nested node_context: a node opened inside another records it as its parent.
--
-- Locks: ADD COLUMN of a nullable column without a default only changes the catalog
-- (no table rewrite, no scan), but it takes ACCESS EXCLUSIVE on nodes for that instant;
-- lock_timeout makes it give up after 1 s rather than queue behind a long transaction
-- (and block every writer queued behind it). On a busy 100M-row table: milliseconds.
-- The index (0051) and the foreign key (0052) follow in their own steps.
-- depends: 0010_create_rollups

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes ADD COLUMN parent_node_id BIGINT;

COMMENT ON COLUMN nodes.parent_node_id IS
    'The node whose node_context this node was opened in; NULL for a top-level node.';
