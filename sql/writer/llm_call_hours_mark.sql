-- Buffered writer: the UTC hours of the LLM calls it copied straight into their monthly
-- partitions (writer/llm_call_partitions), marked for the rollups in the same
-- transaction, exactly as the parent's marker trigger (migration 0010,
-- pfr_rollup_mark_llm_calls) marks the rows inserted through it.
INSERT INTO rollup_dirty_llm_call_hours (hour)
SELECT h.hour
FROM unnest(%(hours)s::TIMESTAMPTZ[]) AS h (hour)
