-- Undo 0050: drop the parent column (catalog only; ACCESS EXCLUSIVE for an instant).
SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes DROP COLUMN parent_node_id;
