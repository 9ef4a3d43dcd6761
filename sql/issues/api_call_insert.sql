-- Record one Bitbucket (or other HTTP) API call of a run, successful or not.
INSERT INTO bitbucket_api_history (
    history_id,
    api_method,
    endpoint,
    status_code,
    duration_seconds,
    error_message
)
VALUES (
    %(history_id)s,
    %(api_method)s,
    %(endpoint)s,
    %(status_code)s,
    %(duration_seconds)s,
    %(error_message)s
)
RETURNING
    id,
    created_at
