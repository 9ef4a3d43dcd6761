-- Undo 0032: drop the span tables and workflows.state (their data goes with them).
SET lock_timeout = '1s';
SET statement_timeout = '1min';

DROP TABLE workflow_spans;

DROP TABLE workflow_traces;

ALTER TABLE workflows
    DROP COLUMN state;
