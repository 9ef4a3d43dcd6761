-- Undo 0040: the run children lose their copy of the run's issue_key (catalog-only;
-- ACCESS EXCLUSIVE on each table and partition for a moment). Refused on a Citus cluster,
-- where the column is the distribution column.
SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

ALTER TABLE bitbucket_api_history
    DROP COLUMN issue_key;

ALTER TABLE llm_call_history
    DROP COLUMN issue_key;

ALTER TABLE file_modification_history
    DROP COLUMN issue_key;
