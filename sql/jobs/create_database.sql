-- A new empty database for `pfr restore --target-db NAME`: from template0, so nothing a DBA
-- added to template1 collides with the archive's objects. Runs outside a transaction.
CREATE DATABASE {database} TEMPLATE template0
