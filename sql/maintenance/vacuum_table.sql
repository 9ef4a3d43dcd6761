-- VACUUM (ANALYZE) one table; run outside a transaction (autocommit), under lock_timeout.
VACUUM (ANALYZE) {schema}.{table}
