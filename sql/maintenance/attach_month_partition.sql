-- Make one monthly partition online (pfr_attach_month_partition, migration 0012): standalone
-- table, stranded rows of the month moved in from the default partition, ATTACH. Run alone
-- in its transaction, under the jobs' ddl_lock_timeout.
SELECT
    a.partition_name,
    a.created,
    a.moved
FROM pfr_attach_month_partition(%(table)s::REGCLASS, %(month)s::DATE) AS a
