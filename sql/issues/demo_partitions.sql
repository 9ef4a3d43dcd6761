-- Demo data only (pfr demo): make sure the monthly partitions exist from the month of
-- %(since)s on, so back-dated demo rows land in a monthly partition and not the default.
SELECT
    COUNT(*) FILTER (WHERE ep.created) AS created
FROM pfr_ensure_partitions(%(months_ahead)s::INTEGER, %(since)s::TIMESTAMPTZ) AS ep
