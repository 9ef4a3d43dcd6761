-- Undo 0030: back to the documents' closed lists. The old CHECKs come back NOT VALID:
-- rows written meanwhile with other values (tool, llm, ...) stay, new ones are refused.
-- Same locks as 0030 (catalog-only ACCESS EXCLUSIVE, no scan).
SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE nodes
    ADD CONSTRAINT check_nodes_node_type
    CHECK (node_type IN ('analysis', 'search', 'generation', 'routing')) NOT VALID;

ALTER TABLE nodes
    DROP CONSTRAINT check_nodes_node_type_format;

ALTER TABLE llm_call_history
    ADD CONSTRAINT check_lch_call_type
    CHECK (call_type IN ('spec_conversion', 'code_diff', 'new_file', 'other')) NOT VALID;

ALTER TABLE llm_call_history
    DROP CONSTRAINT check_lch_call_type_format;

COMMENT ON COLUMN nodes.node_type IS 'analysis, search, generation or routing.';
COMMENT ON COLUMN llm_call_history.call_type IS 'spec_conversion, code_diff, new_file or other.';
