-- Rows sitting in default partitions, per table and UTC month: each line is a month that had
-- no partition when its rows arrived (the partitions job moves them; `pfr doctor` names them).
SELECT
    dp.table_name,
    dp.default_partition,
    pm.month,
    pm.stranded_rows AS row_count
FROM pfr_default_partition_rows() AS dp
CROSS JOIN LATERAL pfr_partition_months(dp.table_name::REGCLASS, 0) AS pm
WHERE dp.row_count > 0
  AND pm.stranded_rows > 0
ORDER BY
    dp.table_name,
    pm.month
