-- One batch of stored file contents past their retention (document 004 deletes contents
-- after 90 days): original_content and modified_content become NULL; the row, its path, action
-- and diff stay. Repeated until a batch comes back short.
UPDATE file_modification_history
SET
    original_content = NULL,
    modified_content = NULL
WHERE (id, created_at) IN (
    SELECT
        id,
        created_at
    FROM file_modification_history
    WHERE created_at < %(cutoff)s
      AND (original_content IS NOT NULL OR modified_content IS NOT NULL)
    LIMIT %(batch_size)s
)
