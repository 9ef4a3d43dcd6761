-- The server's WAL archiving settings, to see whether the embedded server's archiving is
-- already set up as the package wants it (archive_mode needs a restart to change).
SELECT
    current_setting('archive_mode') AS archive_mode,
    current_setting('archive_command') AS archive_command,
    current_setting('archive_timeout') AS archive_timeout,
    current_setting('summarize_wal', true) AS summarize_wal,
    current_setting('server_version_num')::INTEGER AS server_version_num
