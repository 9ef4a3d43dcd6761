-- Close the current WAL segment so the archiver copies it now; the name of that segment.
SELECT pg_walfile_name(pg_switch_wal()) AS segment
