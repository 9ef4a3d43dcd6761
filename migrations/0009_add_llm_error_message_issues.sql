-- A failed LLM call (timeout, rate limit, refused request) is worth
-- recording as much as a successful one: it took time, it may have cost
-- tokens, and its error explains a failed run. llm_call_history had nowhere
-- to keep that error; bitbucket_api_history already has the same column.
-- Adding a nullable column without a default is a catalog-only change, so it
-- does not rewrite the (partitioned) table.
--
-- Locks on a busy 100M-row database (added for issue 13; yoyo knows a migration by its
-- id, not its text, so applied databases do not see this edit): ADD COLUMN without a
-- default: ACCESS EXCLUSIVE on llm_call_history and its partitions for a catalog change (no
-- rewrite): milliseconds once granted; writers queue behind the request for at most
-- lock_timeout.
-- depends: 0006_create_job_runs

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE llm_call_history
    ADD COLUMN error_message TEXT;

COMMENT ON COLUMN llm_call_history.error_message IS
    'Error text when the call failed (exception type and message); NULL for a successful call.';
