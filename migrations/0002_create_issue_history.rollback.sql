-- Undo 0002 in reverse order: the pricing trigger and its function, then the
-- three partitioned child tables, then the run table. Indexes, constraints,
-- sequences and every partition (including monthly ones made later by
-- pfr_ensure_partitions) go with their table.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP TRIGGER trg_llm_call_history_price ON llm_call_history;

DROP FUNCTION pfr_price_llm_call();

DROP TABLE bitbucket_api_history_default;

DROP TABLE bitbucket_api_history;

DROP TABLE llm_call_history_default;

DROP TABLE llm_call_history;

DROP TABLE file_modification_history_default;

DROP TABLE file_modification_history;

DROP TABLE issue_processing_history;
