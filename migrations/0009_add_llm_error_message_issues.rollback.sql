-- Undo 0009: drop the error column of llm_call_history (its values go with it).

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE llm_call_history
    DROP COLUMN error_message;
