-- Undo 0008: drop the stranded-row mover. Rows it moved stay in their monthly partitions.

DROP FUNCTION pfr_move_stranded_rows(INTEGER, TIMESTAMPTZ);
