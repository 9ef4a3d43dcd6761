-- Make the server re-read its configuration files (settings that need no restart).
SELECT pg_reload_conf() AS reloaded
