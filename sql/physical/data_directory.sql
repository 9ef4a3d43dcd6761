-- The server's data directory: when it is the embedded server's, on this machine, its base
-- backups and WAL archive sit beside it. Readable by superusers and pg_read_all_settings.
SELECT current_setting('data_directory', true) AS data_directory
