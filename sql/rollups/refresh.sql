-- The rollups job: recompute the marked rollup buckets from the raw rows and drop their
-- markers (see migration 0010); one row per rollup with the buckets recomputed.
SELECT
    r.rollup,
    r.buckets
FROM pfr_rollup_refresh() AS r
