-- The files one run changed, in the order it changed them (for the run's detail view).
SELECT
    fmh.file_path AS path,
    fmh.action,
    fmh.diff_count,
    fmh.modified_encoding AS encoding,
    fmh.original_encoding,
    fmh.created_at
FROM file_modification_history AS fmh
WHERE fmh.history_id = %(history_id)s
  -- Prunes the monthly partitions older than the run: its rows are never older than it (a
  -- day of margin for rows stamped by a client's clock, as the buffered writer does).
  AND fmh.created_at >= (
      SELECT p.created_at - INTERVAL '1 day'
      FROM issue_processing_history AS p
      WHERE p.id = %(history_id)s
  )
ORDER BY
    fmh.created_at,
    fmh.id
