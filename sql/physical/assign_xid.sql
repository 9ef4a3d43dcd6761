-- A transaction with an xid writes a commit record stamped with the current time: recovery
-- to a time target stops at the first commit after it, so this marks "now" in the WAL.
SELECT pg_current_xact_id()::TEXT AS xid
