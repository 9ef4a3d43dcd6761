-- Buffered writer: the monthly partitions of llm_call_history a batch of LLM calls may be
-- copied into directly, read once per batch in the batch's transaction, after
-- writer/llm_call_history_lock.
--
-- Why: a COPY through the partitioned parent inserts its rows one by one, because the
-- parent has a statement trigger with a transition table (the rollup marker of migration
-- 0010, trg_lch_rollup_insert; PostgreSQL's CopyFrom falls back to single inserts for a
-- partitioned table with one), and routes every row. Copied into its partition, a batch
-- is inserted in multi-row buffers; the writer then marks the batch's UTC hours in
-- rollup_dirty_llm_call_hours itself (writer/llm_call_hours_mark), which is all that
-- trigger does. Row triggers and foreign keys are the partition's own, so they still run.
--
-- No partition is returned (the writer copies through the parent) unless all of this
-- holds, so the shortcut never skips anything the parent would have done:
--   * the parent's only statement-level INSERT trigger is that marker, and it is enabled
--     (a DBA's own audit trigger, or Citus mode, which drops the markers, keep the parent);
--   * this session may insert into rollup_dirty_llm_call_hours (pfr_writer may not: the
--     roles script keeps markers to the triggers) and into the partition itself
--     (privileges on the parent do not reach the partitions);
--   * the partition is not being detached and has no statement-level INSERT trigger.
-- The default partition is never returned: rows outside every monthly range take the
-- parent. Bounds come from the partition bound expression, as in
-- pfr_rollup_current_partitions(); a bound that is not a plain timestamp (MINVALUE) is
-- skipped.
WITH shortcut AS (
    SELECT
        has_table_privilege('public.rollup_dirty_llm_call_hours', 'INSERT')
        AND EXISTS (
            SELECT 1
            FROM pg_trigger AS t
            WHERE t.tgrelid = 'public.llm_call_history'::REGCLASS
              AND t.tgname = 'trg_lch_rollup_insert'
              AND t.tgenabled <> 'D'
        )
        AND NOT EXISTS (
            SELECT 1
            FROM pg_trigger AS t
            WHERE t.tgrelid = 'public.llm_call_history'::REGCLASS
              AND NOT t.tgisinternal
              AND t.tgname <> 'trg_lch_rollup_insert'
              -- tgtype bits: 1 = FOR EACH ROW, 4 = INSERT
              AND t.tgtype & 1 = 0
              AND t.tgtype & 4 <> 0
        ) AS allowed
)
SELECT
    n.nspname AS partition_schema,
    c.relname AS partition_name,
    b.bounds[1]::TIMESTAMPTZ AS lower_bound,
    b.bounds[2]::TIMESTAMPTZ AS upper_bound
FROM shortcut
JOIN pg_inherits AS i
    ON shortcut.allowed
   AND i.inhparent = 'public.llm_call_history'::REGCLASS
   AND NOT i.inhdetachpending
JOIN pg_class AS c
    ON c.oid = i.inhrelid
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
    SELECT regexp_match(
        pg_get_expr(c.relpartbound, c.oid),
        '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$'
    ) AS bounds
) AS b
WHERE b.bounds IS NOT NULL
  AND c.relkind = 'r'
  AND has_table_privilege(c.oid, 'INSERT')
  AND NOT EXISTS (
    SELECT 1
    FROM pg_trigger AS t
    WHERE t.tgrelid = c.oid
      AND NOT t.tgisinternal
      AND t.tgtype & 1 = 0
      AND t.tgtype & 4 <> 0
)
ORDER BY lower_bound
