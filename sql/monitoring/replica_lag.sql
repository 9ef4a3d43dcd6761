-- On a standby: WAL received but not yet replayed, and the age of the last transaction
-- replayed (on a quiet primary this grows without any lag: compare with the primary's view).
SELECT
    pg_is_in_recovery() AS in_recovery,
    pg_last_wal_receive_lsn()::TEXT AS received_lsn,
    pg_last_wal_replay_lsn()::TEXT AS replayed_lsn,
    pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::BIGINT
        AS replay_lag_bytes,
    clock_timestamp() - pg_last_xact_replay_timestamp() AS last_replayed_age,
    pg_is_wal_replay_paused() AS replay_paused,
    (SELECT status FROM pg_stat_wal_receiver) AS receiver_status
