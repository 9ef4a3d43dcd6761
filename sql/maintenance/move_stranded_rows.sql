-- Move rows stranded in a default partition into the monthly partition their month now
-- needs (pfr_move_stranded_rows, migration 0008); run in one transaction with a lock_timeout.
SELECT
    table_name,
    partition_name,
    moved
FROM pfr_move_stranded_rows(%(months_ahead)s, %(now)s)
