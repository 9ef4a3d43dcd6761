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
ORDER BY
    fmh.created_at,
    fmh.id
