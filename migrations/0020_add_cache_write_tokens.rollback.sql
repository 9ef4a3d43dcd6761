-- Undo 0020: drop the cache-write, provider and usage-problem columns (their values go).
-- Catalog-only; ACCESS EXCLUSIVE for milliseconds on each table and partition.

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE generations
    DROP COLUMN usage_problem,
    DROP COLUMN cache_write_input_tokens;

ALTER TABLE llm_call_history
    DROP COLUMN usage_problem,
    DROP COLUMN model_provider,
    DROP COLUMN cache_write_input_tokens;
