-- Start of every maintenance job run, on the job's own connection: UTC time zone, the
-- configured lock_timeout and statement_timeout (so a job never blocks the application's
-- writes for long), and whether the server is a replica (jobs skip on a replica).
SELECT
    set_config('TimeZone', 'UTC', false) AS time_zone,
    set_config('lock_timeout', %(lock_timeout)s, false) AS lock_timeout,
    set_config('statement_timeout', %(statement_timeout)s, false) AS statement_timeout,
    pg_is_in_recovery() AS in_recovery
