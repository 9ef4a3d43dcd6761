-- transactional: false
-- Indexes that serve the package's queries, and none that serve nothing (issue 13):
--   * idx_iph_issue_data and idx_iph_result_data (GIN over the whole JSONB, copied from
--     document 004) serve no query of the package (nothing filters with @> or ?): the
--     first was 10 MB on a 22 MB heap, and both slow every claim and finish. Dropped.
--   * The reaper and `pfr doctor` look for processing runs and running workflows, a few
--     rows among millions: partial indexes on exactly those (a few pages each), instead
--     of the status indexes that mostly index 'completed'.
-- Not here: unpriced LLM calls and file changes with contents live in partitioned tables,
-- where CREATE INDEX CONCURRENTLY is refused on the parent and a per-partition build
-- needs a loop over today's partitions that a SQL migration cannot hold outside a
-- transaction; their queries go through the created_at indexes of the pruned partitions.
--
-- Locks on a busy 100M-row database: CONCURRENTLY builds and drops take SHARE UPDATE
-- EXCLUSIVE (readers and writers go on) and wait for older transactions; lock_timeout
-- bounds the wait for the lock itself, statement_timeout is off for the builds. A failed
-- build leaves an INVALID index: DROP INDEX CONCURRENTLY it, then `pfr migrate` again.
-- depends: 0014_create_node_name_index_concurrently

SET lock_timeout = '1s';
SET statement_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS idx_iph_issue_data;

DROP INDEX CONCURRENTLY IF EXISTS idx_iph_result_data;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_iph_processing_started
    ON issue_processing_history (COALESCE(started_at, created_at))
    WHERE status = 'processing';

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_workflows_running_updated_at
    ON workflows (updated_at)
    WHERE status = 'running';

RESET statement_timeout;
RESET lock_timeout;
