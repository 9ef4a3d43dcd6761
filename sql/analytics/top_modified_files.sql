-- The most often modified files (document 004, analytics query 2): how many changes, by
-- how many distinct runs, and when last. All-time (%(days)s NULL): from the exact per-path
-- totals v_file_modification_totals (0010). With %(days)s: the raw rows of the window (a
-- distinct count of runs cannot be summed over days).
SELECT
    totals.file_path,
    totals.modification_count,
    totals.unique_issues,
    totals.last_modified
FROM (
    SELECT
        fmt.file_path,
        fmt.modification_count,
        fmt.unique_issues,
        fmt.last_modified
    FROM v_file_modification_totals AS fmt
    WHERE %(days)s::INTEGER IS NULL
    UNION ALL
    SELECT
        fmh.file_path,
        COUNT(*) AS modification_count,
        COUNT(DISTINCT fmh.history_id) AS unique_issues,
        MAX(fmh.created_at) AS last_modified
    FROM file_modification_history AS fmh
    WHERE %(days)s::INTEGER IS NOT NULL
      AND fmh.created_at >= now() - make_interval(days => %(days)s::INTEGER)
    GROUP BY fmh.file_path
) AS totals
ORDER BY
    totals.modification_count DESC,
    totals.file_path
LIMIT %(limit)s
