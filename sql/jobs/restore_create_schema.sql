-- `pfr restore --clean`: create the public schema again after dropping it (pg_dump does not
-- dump the public schema itself, only what is in it).
CREATE SCHEMA IF NOT EXISTS {schema}
