-- Claims baseline: document 004's issue_processing_history, which has no unique index on
-- the active issue key (only idx_iph_issue_key_status), in schema doc004.
CREATE SCHEMA IF NOT EXISTS doc004;
DROP TABLE IF EXISTS doc004.issue_processing_history;
CREATE TABLE doc004.issue_processing_history (
    LIKE public.issue_processing_history INCLUDING DEFAULTS INCLUDING IDENTITY
);
CREATE INDEX ON doc004.issue_processing_history (issue_key, status);
