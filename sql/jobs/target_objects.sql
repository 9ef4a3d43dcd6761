-- How many tables, views, sequences and other relations a restore target already holds
-- outside the system schemas; a restore refuses a non-empty target unless told --clean.
SELECT count(*) AS relations
FROM pg_class AS c
JOIN pg_namespace AS n
    ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND left(n.nspname, 8) <> 'pg_toast'
  AND left(n.nspname, 8) <> 'pg_temp_'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
