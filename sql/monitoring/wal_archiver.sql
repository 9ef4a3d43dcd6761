-- The WAL archiver: last segment archived, failures (a full or unwritable archive shows up
-- here while pg_wal keeps growing), and when.
SELECT
    current_setting('archive_mode') AS archive_mode,
    archived_count,
    last_archived_wal,
    last_archived_time,
    failed_count,
    last_failed_wal,
    last_failed_time
FROM pg_stat_archiver
