-- Open vocabularies (issue 12): nodes.node_type and llm_call_history.call_type took only
-- the documents' values, so a real agent's 'tool', 'llm', 'agent', 'retrieval' or an
-- OpenTelemetry operation name ('execute_tool', 'invoke_agent') was refused. Each closed
-- list becomes a format rule a DBA can read: a lowercase word of letters, digits, '_',
-- '.' or '-', starting with a letter, no longer than the column (20 and 50 characters).
-- The documents' values (analysis, search, generation, routing; spec_conversion,
-- code_diff, new_file, other) all pass, so they stay the documented examples.
--
-- Locks on a busy 100M-row table: ADD CONSTRAINT ... NOT VALID and DROP CONSTRAINT take
-- ACCESS EXCLUSIVE on nodes and on llm_call_history (and each of its partitions) but
-- only for the catalog change: NOT VALID skips the scan of existing rows (new rows are
-- checked at once). The scan is VALIDATE CONSTRAINT in the next migration (0031), in
-- its own transaction, under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.
-- lock_timeout makes the migration give up (and roll back) rather than queue behind a
-- long transaction while every new query queues behind it.
-- depends: 0010_create_rollups

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes
    ADD CONSTRAINT check_nodes_node_type_format
    CHECK (node_type ~ '^[a-z][a-z0-9_.-]{0,19}$') NOT VALID;

ALTER TABLE nodes
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT check_nodes_node_type;

ALTER TABLE llm_call_history
    ADD CONSTRAINT check_lch_call_type_format
    CHECK (call_type ~ '^[a-z][a-z0-9_.-]{0,49}$') NOT VALID;

ALTER TABLE llm_call_history
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT check_lch_call_type;

COMMENT ON COLUMN nodes.node_type IS
    'What the node does: a lowercase word (letters, digits, _ . -), e.g. analysis, search, '
    'generation, routing (document 000), tool, llm, agent, retrieval, embedding, review.';
COMMENT ON COLUMN llm_call_history.call_type IS
    'What the call was for: a lowercase word (letters, digits, _ . -), e.g. spec_conversion, '
    'code_diff, new_file, other (document 004), chat, embeddings, review.';
