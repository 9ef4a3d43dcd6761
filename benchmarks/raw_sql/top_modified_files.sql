-- The most often modified files (document 004, analytics query 2): how many changes, by
-- how many distinct runs, and when last. Optionally only the last %(days)s days.
SELECT
    fmh.file_path,
    COUNT(*) AS modification_count,
    COUNT(DISTINCT fmh.history_id) AS unique_issues,
    MAX(fmh.created_at) AS last_modified
FROM file_modification_history AS fmh
WHERE (
    %(days)s::INTEGER IS NULL
    OR fmh.created_at >= now() - make_interval(days => %(days)s::INTEGER)
)
GROUP BY fmh.file_path
ORDER BY
    modification_count DESC,
    fmh.file_path
LIMIT %(limit)s
