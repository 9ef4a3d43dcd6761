-- Buffered writer: bulk-load queued API calls. created_at is the time of the call,
-- stamped when the writer accepted it.
-- issue_key is the run's, looked up once per batch (writer/run_issue_keys).
COPY bitbucket_api_history (
    history_id,
    api_method,
    endpoint,
    status_code,
    duration_seconds,
    error_message,
    created_at,
    issue_key
)
FROM STDIN
