-- Buffered writer: the type of each column writer/copy_llm_call_history sends, in the
-- COPY's column order (%(columns)s). That COPY is binary, so each value must be dumped as
-- exactly its column's type. Read in the batch's transaction: after
-- writer/llm_call_history_lock no ALTER COLUMN ... TYPE can run until the commit, and on
-- the paths that do not take that lock a changed type fails the batch, which is then
-- retried with the new types. A partition's columns have its parent's types.
SELECT a.atttypid::INT8 AS type_oid
FROM unnest(%(columns)s::TEXT[]) WITH ORDINALITY AS c (name, position)
INNER JOIN pg_catalog.pg_attribute AS a
    ON
        a.attrelid = 'llm_call_history'::REGCLASS
        AND a.attname = c.name
        AND NOT a.attisdropped
ORDER BY c.position
