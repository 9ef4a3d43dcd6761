-- Remove one setting from postgresql.auto.conf (a recovered server's recovery settings once
-- it has promoted: they would only confuse whoever reads the file later).
ALTER SYSTEM RESET {setting}
