-- The API calls of one run, in call order (not in document 004's detail view; shown so
-- a failed run's failing call is one command away).
SELECT
    bah.api_method AS method,
    bah.endpoint,
    bah.status_code,
    bah.duration_seconds AS duration,
    bah.error_message,
    bah.created_at
FROM bitbucket_api_history AS bah
WHERE bah.history_id = %(history_id)s
  -- Prunes the monthly partitions older than the run: its rows are never older than it (a
  -- day of margin for rows stamped by a client's clock, as the buffered writer does).
  AND bah.created_at >= (
      SELECT p.created_at - INTERVAL '1 day'
      FROM issue_processing_history AS p
      WHERE p.id = %(history_id)s
  )
ORDER BY
    bah.created_at,
    bah.id
