-- The latest changes to one file path, with the run that made each (document 004's
-- GET /files/<path>/history). Uses idx_fmh_file_path_created.
SELECT
    fmh.file_path,
    fmh.action,
    fmh.diff_count,
    fmh.created_at,
    iph.id AS history_id,
    iph.issue_key,
    iph.issue_summary,
    iph.status,
    iph.pr_url
FROM file_modification_history AS fmh
JOIN issue_processing_history AS iph
    ON iph.id = fmh.history_id
WHERE fmh.file_path = %(file_path)s
ORDER BY
    fmh.created_at DESC,
    fmh.id DESC
LIMIT %(limit)s
