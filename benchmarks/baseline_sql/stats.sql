-- Document 004's GET /stats: the eight ORM queries it runs, as SQL.
SELECT count(*) FROM issue_processing_history;
SELECT count(*) FROM issue_processing_history WHERE status = 'completed';
SELECT count(*) FROM issue_processing_history WHERE status = 'failed';
SELECT count(*) FROM issue_processing_history WHERE status = 'processing';
SELECT avg(processing_duration_seconds) FROM issue_processing_history WHERE status = 'completed';
SELECT sum(estimated_cost) FROM llm_call_history;
SELECT count(*) FROM llm_call_history;
SELECT count(*) FROM llm_call_history WHERE cache_hit = true;
