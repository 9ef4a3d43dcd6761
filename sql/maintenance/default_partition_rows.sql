-- Rows sitting in each default partition (pfr_default_partition_rows, migration 0004); more
-- than 0 means a month had no partition when its rows arrived.
SELECT
    table_name,
    default_partition,
    row_count
FROM pfr_default_partition_rows()
