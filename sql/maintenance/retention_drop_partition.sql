-- Drop one expired monthly partition (its whole range is past the retention cutoff); takes a
-- brief ACCESS EXCLUSIVE lock on the parent, bounded by the job's lock_timeout.
DROP TABLE {schema}.{partition}
