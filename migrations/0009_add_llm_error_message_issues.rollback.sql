-- Undo 0009: drop the error column of llm_call_history (its values go with it).

ALTER TABLE llm_call_history
    DROP COLUMN error_message;
