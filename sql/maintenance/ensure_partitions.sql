-- Create the monthly partitions of every partitioned table from the month of "now" to
-- months_ahead later (pfr_ensure_partitions, migration 0004); created = false if it existed.
SELECT
    table_name,
    partition_name,
    created
FROM pfr_ensure_partitions(%(months_ahead)s, %(now)s)
