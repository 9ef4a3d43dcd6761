-- Whether a database of this name exists on the server (restore --target-db creates it if not).
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %(name)s) AS database_exists
