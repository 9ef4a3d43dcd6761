-- Undo 0008: drop the stranded-row mover. Rows it moved stay in their monthly partitions.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ);
