-- The files, LLM calls and API calls of a run carry the run's issue_key, so that on a
-- Citus cluster (sql/admin/citus.sql) they can be distributed on the same column as
-- issue_processing_history and live on the same shard as their run. The run table is
-- distributed on issue_key, not on its id, because that keeps the duplicate refusal
-- (uq_iph_active_issue_key, one active run per key) a real unique index: Citus enforces
-- a unique index only when it contains the distribution column (see the header of
-- sql/admin/citus.sql for the whole design).
--
-- TEXT, not the run's VARCHAR(50): the run's column is the one that enforces the length,
-- and on Citus both become TEXT (sql/admin/citus.sql says why).
--
-- On plain PostgreSQL the column is informational: the package's write paths fill it
-- from the run (sql/issues/record_*.sql look it up in the same statement; the buffered
-- writer looks up each batch's runs once). Rows written before this migration keep NULL;
-- sql/admin/citus.sql fills them in batches before it distributes the tables, so nothing
-- here rewrites a table.
--
-- Locks on a busy 100M-row database: ADD COLUMN without a default is a catalog-only
-- change, but it takes ACCESS EXCLUSIVE on each parent and every partition for a few
-- milliseconds. lock_timeout makes it give up (and the migration fail, to be retried)
-- instead of queueing behind a long reader while every writer queues behind it.
-- depends: 0010_create_rollups

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE file_modification_history
    ADD COLUMN issue_key TEXT;

ALTER TABLE llm_call_history
    ADD COLUMN issue_key TEXT;

ALTER TABLE bitbucket_api_history
    ADD COLUMN issue_key TEXT;

COMMENT ON COLUMN file_modification_history.issue_key IS
    'The issue_key of the run (history_id), copied on write: the distribution column on Citus. '
    'NULL only for rows written before migration 0040.';
COMMENT ON COLUMN llm_call_history.issue_key IS
    'The issue_key of the run (history_id), copied on write: the distribution column on Citus. '
    'NULL only for rows written before migration 0040.';
COMMENT ON COLUMN bitbucket_api_history.issue_key IS
    'The issue_key of the run (history_id), copied on write: the distribution column on Citus. '
    'NULL only for rows written before migration 0040.';
