-- The server's version number and database name: a backup needs a pg_dump of at least the
-- server's major version, and names its file after the database.
SELECT
    current_setting('server_version_num')::INTEGER AS server_version_num,
    current_database() AS database_name
