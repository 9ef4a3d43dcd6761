-- Whether pg_stat_statements is installed in this database (the slow-query section needs it).
SELECT EXISTS (
    SELECT 1
    FROM pg_extension
    WHERE extname = 'pg_stat_statements'
) AS available
