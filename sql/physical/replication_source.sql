-- What `pfr replica create` needs of the primary: its archive command (to find the package's
-- own WAL archive, for the standby's restore_command) and its data directory.
SELECT
    current_setting('archive_command') AS archive_command,
    current_setting('data_directory', true) AS data_directory
