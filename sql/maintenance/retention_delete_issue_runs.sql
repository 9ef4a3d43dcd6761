-- One batch of finished issue processing runs past their retention; their files, LLM calls
-- and API calls go with them (ON DELETE CASCADE). Queued and processing runs are never
-- deleted. Repeated until a batch comes back short.
DELETE FROM issue_processing_history
WHERE id IN (
    SELECT id
    FROM issue_processing_history
    WHERE status IN ('completed', 'failed')
      AND COALESCE(completed_at, created_at) < %(cutoff)s
    ORDER BY id
    LIMIT %(batch_size)s
)
