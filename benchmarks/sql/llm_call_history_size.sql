-- Total on-disk size (heap, indexes, TOAST) of every partition of llm_call_history.
SELECT COALESCE(SUM(pg_total_relation_size(i.inhrelid)), 0)::BIGINT AS bytes
FROM pg_inherits AS i
WHERE i.inhparent = 'llm_call_history'::REGCLASS
