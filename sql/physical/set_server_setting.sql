-- One server setting written to postgresql.auto.conf (the embedded server's WAL archiving).
-- ALTER SYSTEM takes no bound parameters: the value is composed as a quoted literal.
ALTER SYSTEM SET {setting} = {value}
