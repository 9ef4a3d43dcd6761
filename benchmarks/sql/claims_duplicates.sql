-- Issue keys with more than one queued/processing/completed run in the given table.
SELECT COUNT(*) AS duplicated_keys
FROM (
    SELECT issue_key
    FROM {table}
    WHERE status IN ('queued', 'processing', 'completed')
    GROUP BY issue_key
    HAVING COUNT(*) > 1
) AS duplicated
