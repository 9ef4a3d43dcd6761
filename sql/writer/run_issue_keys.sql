-- Buffered writer: the issue_key of each run a batch of LLM or API calls belongs to, read
-- once per batch, so the COPY can carry it (the distribution column on a Citus cluster,
-- where the coordinator routes each copied row to its run's shard). A run missing here
-- does not exist: its rows are refused before the COPY.
SELECT
    iph.id,
    iph.issue_key
FROM issue_processing_history AS iph
WHERE iph.id = ANY (%(history_ids)s::BIGINT[])
