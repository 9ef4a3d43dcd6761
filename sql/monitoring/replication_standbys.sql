-- On a primary: each standby streaming from it and how far behind it is, in bytes of WAL
-- not yet replayed there and in time (write/flush/replay lag as measured by the primary;
-- NULL once the standby has caught up and nothing is being written).
SELECT
    application_name,
    client_addr,
    state,
    sync_state,
    pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::BIGINT AS replay_lag_bytes,
    write_lag,
    flush_lag,
    replay_lag
FROM pg_stat_replication
ORDER BY application_name
LIMIT %(limit)s
