-- `pfr restore --clean`: drop one schema the archive restores, with everything in it, in the
-- same transaction as the restore itself (psql --single-transaction).
DROP SCHEMA IF EXISTS {schema} CASCADE
