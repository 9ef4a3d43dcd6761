-- One batch of ended workflow runs past their retention; their nodes and generations go with
-- them (ON DELETE CASCADE). Running workflows are never deleted. Repeated until a batch comes
-- back short.
DELETE FROM workflows
WHERE id IN (
    SELECT id
    FROM workflows
    WHERE status <> 'running'
      AND COALESCE(completed_at, created_at) < %(cutoff)s
    ORDER BY id
    LIMIT %(batch_size)s
)
