-- pfr pricing reprice: store the recomputed cost of a batch of generations rows. Only cost and
-- pricing_id change (provided_cost never: estimated_cost follows by itself); the rollup
-- markers of the touched hours are written by the table's UPDATE trigger, so the
-- dashboards stay exact. One short transaction per batch: writers only insert new rows
-- and never wait on it.
UPDATE generations AS t
SET
    computed_cost = v.computed_cost,
    pricing_id = v.pricing_id
FROM unnest(
    %(ids)s::bigint[],
    %(created_at)s::timestamptz[],
    %(costs)s::numeric[],
    %(pricing_ids)s::bigint[]
) AS v (id, created_at, computed_cost, pricing_id)
WHERE t.id = v.id
  AND t.created_at = v.created_at
