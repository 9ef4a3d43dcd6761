-- Document 004's process_issue, step 1: is the key already processing or completed?
SELECT id, status
FROM doc004.issue_processing_history
WHERE issue_key = %(issue_key)s
  AND status IN ('processing', 'completed')
LIMIT 1
