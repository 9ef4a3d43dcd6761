-- Document 004's process_issue, step 2: record the start of processing.
INSERT INTO doc004.issue_processing_history (issue_key, issue_summary, status, started_at)
VALUES (%(issue_key)s, %(summary)s, 'processing', now())
RETURNING id
