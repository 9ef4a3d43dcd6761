-- Document 004, analytics query 2.
SELECT
    file_path,
    COUNT(*) as modification_count,
    COUNT(DISTINCT history_id) as unique_issues,
    MAX(created_at) as last_modified
FROM file_modification_history
GROUP BY file_path
ORDER BY modification_count DESC
LIMIT 10;
