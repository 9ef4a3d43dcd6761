-- Undo 0004 in reverse order: drop the partition functions. The monthly
-- partitions they created are left in place (they may hold data); they go
-- with their parent tables when 0003 and 0002 are rolled back.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP FUNCTION pfr_default_partition_rows();

DROP FUNCTION pfr_ensure_partitions(INTEGER, TIMESTAMPTZ);

DROP FUNCTION pfr_create_month_partition(REGCLASS, DATE);

DROP FUNCTION pfr_month_partition_name(REGCLASS, DATE);
