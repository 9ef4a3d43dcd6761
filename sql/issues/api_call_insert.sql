-- Record one Bitbucket (or other HTTP) API call of a run, successful or not.
-- The row carries its run's issue_key (the distribution column on Citus), read from the
-- run in the same statement; no row comes back when the run does not exist.
INSERT INTO bitbucket_api_history (
    issue_key,
    history_id,
    api_method,
    endpoint,
    status_code,
    duration_seconds,
    error_message
)
SELECT
    iph.issue_key,
    iph.id,
    %(api_method)s::VARCHAR,
    %(endpoint)s::TEXT,
    %(status_code)s::INTEGER,
    %(duration_seconds)s::NUMERIC,
    %(error_message)s::TEXT
FROM issue_processing_history AS iph
WHERE iph.id = %(history_id)s
RETURNING
    id,
    created_at
