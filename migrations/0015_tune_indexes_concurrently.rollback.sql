-- transactional: false
-- Undo 0015: the partial indexes go, the two GIN indexes come back (built CONCURRENTLY:
-- SHARE UPDATE EXCLUSIVE, writers go on).

SET lock_timeout = '1s';
SET statement_timeout = 0;

DROP INDEX CONCURRENTLY IF EXISTS idx_workflows_running_updated_at;

DROP INDEX CONCURRENTLY IF EXISTS idx_iph_processing_started;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_iph_result_data
    ON issue_processing_history
    USING GIN (result_data);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_iph_issue_data
    ON issue_processing_history
    USING GIN (issue_data);

RESET statement_timeout;
RESET lock_timeout;
