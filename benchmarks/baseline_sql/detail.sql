-- Document 004's GET /history/<id>: the run, its files and its LLM calls (three ORM queries).
SELECT * FROM issue_processing_history WHERE id = %(history_id)s LIMIT 1;
SELECT * FROM file_modification_history WHERE history_id = %(history_id)s;
SELECT * FROM llm_call_history WHERE history_id = %(history_id)s;
