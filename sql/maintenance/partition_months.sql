-- The months one partitioned table needs a partition for (pfr_partition_months, migration
-- 0012): the window from the month of "now" to months_ahead later, and every month with
-- rows in its default partition (gap fill), with whether the partition exists already.
SELECT
    pm.month,
    pm.partition_name,
    pm.partition_exists,
    pm.stranded_rows,
    pm.in_window
FROM pfr_partition_months(%(table)s::REGCLASS, %(months_ahead)s, %(now)s) AS pm
ORDER BY pm.month
