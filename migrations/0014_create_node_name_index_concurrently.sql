-- transactional: false
-- v_node_performance_exact's last_run_at is MAX(created_at) per node name: one backward
-- probe each of (node_name, created_at). Migration 0010 used to create this index inside
-- its transaction (a SHARE lock on nodes for the whole build: every node write waited);
-- here it is built CONCURRENTLY, outside a transaction (yoyo: `transactional: false`).
--
-- Locks on a busy 100M-row database: SHARE UPDATE EXCLUSIVE on nodes for the build
-- (writers and readers go on; two table scans; waits for transactions older than it to
-- end, twice). lock_timeout bounds the wait for that lock; statement_timeout is off for
-- the build (it takes as long as the table is big). IF NOT EXISTS: databases migrated
-- with the former 0010 have it already. A failed build leaves an INVALID index that IF
-- NOT EXISTS would keep: `DROP INDEX CONCURRENTLY idx_nodes_node_name_created_at;` then
-- `pfr migrate` again.
-- depends: 0013_add_job_run_warning

SET lock_timeout = '1s';
SET statement_timeout = 0;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_nodes_node_name_created_at
    ON nodes (node_name, created_at);
RESET statement_timeout;
RESET lock_timeout;
