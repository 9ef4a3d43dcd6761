-- Usage in the OpenTelemetry GenAI meaning needs three more facts per LLM call:
--   * cache_write_input_tokens: input tokens WRITTEN to the provider's prompt cache
--     (Anthropic cache_creation_input_tokens, Bedrock cacheWriteInputTokens), billed at
--     their own rate; like cached_input_tokens (cache reads) they are INCLUDED in
--     prompt_tokens, never in addition to it;
--   * model_provider on llm_call_history (generations already has it): the same model
--     name is priced differently by different providers (Bedrock, Vertex, Azure);
--   * usage_problem: why the usage of a recorded call could not be read cleanly (the
--     call is recorded anyway; pfr doctor counts these).
--
-- What this locks on a busy 100M-row database, and for how long: each ADD COLUMN of a
-- nullable column without a default is a catalog-only change (no rewrite, no scan), but
-- it takes ACCESS EXCLUSIVE on the parent and on each partition for the few milliseconds
-- of the catalog update. lock_timeout makes the migration give up (and be retried)
-- instead of queueing every writer behind a long-running reader's lock. The CHECK
-- constraints are added NOT VALID: they hold for every new row at once and do not scan
-- the existing ones (which all have NULL in the new column, so they satisfy them).
-- depends: 0010_create_rollups

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE llm_call_history
    ADD COLUMN cache_write_input_tokens INTEGER,
    ADD COLUMN model_provider VARCHAR(50),
    ADD COLUMN usage_problem TEXT;

ALTER TABLE llm_call_history
    ADD CONSTRAINT check_lch_cache_write_input_tokens
        CHECK (cache_write_input_tokens >= 0) NOT VALID,
    ADD CONSTRAINT check_lch_cache_within_prompt
        CHECK (COALESCE(cached_input_tokens, 0) + cache_write_input_tokens <= prompt_tokens) NOT VALID;

COMMENT ON COLUMN llm_call_history.prompt_tokens IS
    'Input tokens, cache reads (cached_input_tokens) and cache writes (cache_write_input_tokens) included '
    '(OpenTelemetry gen_ai.usage.input_tokens).';
COMMENT ON COLUMN llm_call_history.completion_tokens IS
    'Output tokens, reasoning_tokens included (OpenTelemetry gen_ai.usage.output_tokens).';
COMMENT ON COLUMN llm_call_history.cache_write_input_tokens IS
    'Input tokens written to the provider''s prompt cache (Anthropic cache_creation_input_tokens). '
    'INCLUDED in prompt_tokens, not in addition to it.';
COMMENT ON COLUMN llm_call_history.model_provider IS
    'Provider that served the call, as OpenTelemetry gen_ai.provider.name (openai, anthropic, '
    'gcp.gemini, aws.bedrock, ollama, ...); NULL when unknown. Used to find the price.';
COMMENT ON COLUMN llm_call_history.usage_problem IS
    'Why the usage of this call could not be read cleanly (the counts in doubt are NULL); '
    'NULL when it was read cleanly. Counted by pfr doctor.';

ALTER TABLE generations
    ADD COLUMN cache_write_input_tokens INTEGER,
    ADD COLUMN usage_problem TEXT;

ALTER TABLE generations
    ADD CONSTRAINT check_generations_cache_write_input_tokens
        CHECK (cache_write_input_tokens >= 0) NOT VALID,
    ADD CONSTRAINT check_generations_cache_within_prompt
        CHECK (COALESCE(cached_input_tokens, 0) + cache_write_input_tokens <= prompt_tokens) NOT VALID;

COMMENT ON COLUMN generations.prompt_tokens IS
    'Input tokens, cache reads (cached_input_tokens) and cache writes (cache_write_input_tokens) included '
    '(OpenTelemetry gen_ai.usage.input_tokens).';
COMMENT ON COLUMN generations.completion_tokens IS
    'Output tokens, reasoning_tokens included (OpenTelemetry gen_ai.usage.output_tokens).';
COMMENT ON COLUMN generations.cache_write_input_tokens IS
    'Input tokens written to the provider''s prompt cache (Anthropic cache_creation_input_tokens). '
    'INCLUDED in prompt_tokens, not in addition to it.';
COMMENT ON COLUMN generations.usage_problem IS
    'Why the usage of this generation could not be read cleanly (the counts in doubt are NULL); '
    'NULL when it was read cleanly. Counted by pfr doctor.';
