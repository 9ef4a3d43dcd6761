-- Whether this server is a standby (pfr doctor reports replication from the side it is on).
SELECT pg_is_in_recovery() AS in_recovery
