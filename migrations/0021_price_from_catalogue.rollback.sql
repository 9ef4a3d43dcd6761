-- Undo 0021: back to pricing in SQL by BEFORE ROW triggers from model_pricing.
-- Catalogue rows and user rows added since are deleted (the seed rows stay); calls priced
-- from them keep their cost but lose their pricing_id. Re-adding the pricing_id foreign
-- keys validates every row: on a 100M-row table that scan holds SHARE ROW EXCLUSIVE for
-- minutes, so roll back on a quiet database.

SET lock_timeout = '1s';
-- The UPDATEs below touch only calls priced from catalogue or user rows; bounded, generous.
SET statement_timeout = '1h';

DROP TRIGGER trg_model_pricing_append_only ON model_pricing;
DROP FUNCTION pfr_model_pricing_append_only();

UPDATE llm_call_history
SET pricing_id = NULL
WHERE pricing_id IN (SELECT id FROM model_pricing WHERE source <> 'document-004');

UPDATE generations
SET pricing_id = NULL
WHERE pricing_id IN (SELECT id FROM model_pricing WHERE source <> 'document-004');

DELETE FROM model_pricing
WHERE source <> 'document-004';

-- model_pricing is a few thousand rows: a plain DROP INDEX holds its lock for milliseconds.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX uq_model_pricing_user_model;
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX uq_model_pricing_catalogue;

ALTER TABLE model_pricing
    DROP CONSTRAINT check_model_pricing_user_rates,
    DROP CONSTRAINT check_model_pricing_catalogue,
    DROP CONSTRAINT check_model_pricing_cache_write_per_1m,
    DROP CONSTRAINT check_model_pricing_source,
    DROP COLUMN price_data,
    DROP COLUMN cache_write_per_1m,
    DROP COLUMN price_condition,
    DROP COLUMN price_variant,
    DROP COLUMN catalogue_model,
    DROP COLUMN catalogue_provider,
    DROP COLUMN source_version,
    DROP COLUMN source,
    -- squawk-ignore adding-not-nullable-field
    ALTER COLUMN input_per_1m SET NOT NULL,
    -- squawk-ignore adding-not-nullable-field
    ALTER COLUMN output_per_1m SET NOT NULL,
    -- squawk-ignore constraint-missing-not-valid, disallowed-unique-constraint
    ADD CONSTRAINT uq_model_pricing_model_valid_from UNIQUE (model, valid_from);

ALTER TABLE llm_call_history
    -- squawk-ignore constraint-missing-not-valid, adding-foreign-key-constraint
    ADD CONSTRAINT fk_lch_pricing_id FOREIGN KEY (pricing_id) REFERENCES model_pricing (id);
ALTER TABLE generations
    -- squawk-ignore constraint-missing-not-valid, adding-foreign-key-constraint
    ADD CONSTRAINT fk_generations_pricing_id FOREIGN KEY (pricing_id) REFERENCES model_pricing (id);

CREATE FUNCTION pfr_price_at(p_model TEXT, p_at TIMESTAMPTZ)
RETURNS model_pricing
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT mp.*
    FROM model_pricing AS mp
    WHERE mp.valid_from <= p_at
      AND (
            (mp.model_pattern IS NULL AND mp.model = p_model)
         OR (mp.model_pattern IS NOT NULL AND p_model LIKE mp.model_pattern)
      )
    ORDER BY
        (mp.model_pattern IS NULL) DESC,
        length(mp.model_pattern) DESC NULLS FIRST,
        mp.valid_from DESC,
        mp.id DESC
    LIMIT 1
$$;

CREATE FUNCTION pfr_llm_cost(p model_pricing, p_prompt BIGINT, p_cached BIGINT, p_completion BIGINT)
RETURNS NUMERIC
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN (p).id IS NULL THEN NULL
        WHEN p_prompt IS NULL AND p_cached IS NULL AND p_completion IS NULL THEN NULL
        ELSE (
              GREATEST(COALESCE(p_prompt, 0) - COALESCE(p_cached, 0), 0) * (p).input_per_1m
            + COALESCE(p_cached, 0) * COALESCE((p).cached_input_per_1m, (p).input_per_1m)
            + COALESCE(p_completion, 0) * (p).output_per_1m
        ) / 1000000
    END
$$;

CREATE FUNCTION pfr_price_llm_call()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
DECLARE
    v_price model_pricing;
BEGIN
    v_price := pfr_price_at(NEW.model, NEW.created_at);
    NEW.pricing_id := v_price.id;
    NEW.computed_cost := pfr_llm_cost(v_price, NEW.prompt_tokens, NEW.cached_input_tokens, NEW.completion_tokens);
    IF NEW.total_tokens IS NULL
       AND (NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL) THEN
        NEW.total_tokens := COALESCE(NEW.prompt_tokens, 0) + COALESCE(NEW.completion_tokens, 0);
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION pfr_price_generation()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
DECLARE
    v_price model_pricing;
BEGIN
    v_price := pfr_price_at(NEW.model_name, NEW.created_at);
    NEW.pricing_id := v_price.id;
    NEW.computed_cost := pfr_llm_cost(v_price, NEW.prompt_tokens, NEW.cached_input_tokens, NEW.completion_tokens);
    IF NEW.total_tokens IS NULL
       AND (NEW.prompt_tokens IS NOT NULL OR NEW.completion_tokens IS NOT NULL) THEN
        NEW.total_tokens := COALESCE(NEW.prompt_tokens, 0) + COALESCE(NEW.completion_tokens, 0);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_llm_call_history_price
    BEFORE INSERT OR UPDATE OF model, prompt_tokens, cached_input_tokens, completion_tokens
    ON llm_call_history
    FOR EACH ROW
    EXECUTE FUNCTION pfr_price_llm_call();

CREATE TRIGGER trg_generations_price
    BEFORE INSERT OR UPDATE OF model_name, prompt_tokens, cached_input_tokens, completion_tokens
    ON generations
    FOR EACH ROW
    EXECUTE FUNCTION pfr_price_generation();
