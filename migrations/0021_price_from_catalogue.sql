-- Prices from a maintained catalogue (genai-prices), computed when a call is written.
--
-- Why the BEFORE ROW pricing triggers go: the catalogue's prices have tiers above a
-- token threshold, cache read and cache write rates, per-request fees, date- and
-- time-of-day conditions and provider-specific model matching; the package prices a call
-- in Python with genai-prices' own arithmetic (so the stored cost equals
-- genai_prices.calc_price to the micro-dollar) and stores the cost with the id of the
-- model_pricing row it used. A BEFORE ROW trigger also made every COPY insert row by row
-- and ran a pricing query per row: without it COPY batches again.
--
-- model_pricing becomes the catalogue's mirror plus the user's own prices:
--   source 'genai-prices'  one row per catalogue price (provider, model, conditional
--                          variant) of one genai-prices version, loaded by `pfr pricing
--                          sync` (and `pfr migrate`); price_data holds the whole price
--                          (tiers included) as the catalogue states it;
--   source 'user'          `pfr pricing set`: wins over the catalogue for the calls it
--                          covers (exact model name, then the catalogue, then patterns);
--   source 'document-004'  the three 2024 seed rows of migration 0001, kept because
--                          past calls point at them; they price no new call.
-- Rows are never updated or deleted (trigger trg_model_pricing_append_only): a price
-- change is a new row, so every pricing_id stays readable forever. That is also why the
-- pricing_id foreign keys go: each insert checked its key with a row lock on the one
-- pricing row every call shares (FOR KEY SHARE), one MultiXact per insert under
-- concurrency; an append-only parent makes the check redundant.
--
-- What this locks on a busy 100M-row database, and for how long: dropping a trigger or a
-- foreign key and adding columns are catalog-only changes (no scan, no rewrite) taking
-- ACCESS EXCLUSIVE on llm_call_history, generations (and their partitions) and
-- model_pricing for milliseconds; lock_timeout gives up rather than queue writers behind
-- a long reader. model_pricing itself is a small table (a few thousand rows).
-- depends: 0020_add_cache_write_tokens

SET lock_timeout = '1s';
SET statement_timeout = '1min';

DROP TRIGGER trg_llm_call_history_price ON llm_call_history;
DROP TRIGGER trg_generations_price ON generations;
-- The pricing moved to the writers (see above); nothing else called these functions.
-- squawk-ignore ban-drop-function
DROP FUNCTION pfr_price_llm_call();
-- squawk-ignore ban-drop-function
DROP FUNCTION pfr_price_generation();
-- squawk-ignore ban-drop-function
DROP FUNCTION pfr_llm_cost(model_pricing, BIGINT, BIGINT, BIGINT);
-- squawk-ignore ban-drop-function
DROP FUNCTION pfr_price_at(TEXT, TIMESTAMPTZ);

ALTER TABLE llm_call_history
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT fk_lch_pricing_id;
ALTER TABLE generations
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT fk_generations_pricing_id;

ALTER TABLE model_pricing
    ADD COLUMN source TEXT NOT NULL DEFAULT 'user',
    ADD COLUMN source_version TEXT,
    ADD COLUMN catalogue_provider TEXT,
    ADD COLUMN catalogue_model TEXT,
    ADD COLUMN price_variant INTEGER,
    ADD COLUMN price_condition TEXT,
    ADD COLUMN cache_write_per_1m NUMERIC(12, 6),
    ADD COLUMN price_data JSONB,
    -- squawk-ignore ban-drop-not-null
    ALTER COLUMN input_per_1m DROP NOT NULL,
    -- squawk-ignore ban-drop-not-null
    ALTER COLUMN output_per_1m DROP NOT NULL,
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT uq_model_pricing_model_valid_from,
    -- model_pricing is a few thousand rows: validating at once takes milliseconds.
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT check_model_pricing_source CHECK (source IN ('user', 'genai-prices', 'document-004')),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT check_model_pricing_cache_write_per_1m CHECK (cache_write_per_1m >= 0),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT check_model_pricing_catalogue CHECK (
        source <> 'genai-prices'
        OR (source_version IS NOT NULL AND catalogue_provider IS NOT NULL
            AND catalogue_model IS NOT NULL AND price_variant IS NOT NULL AND price_data IS NOT NULL)
    ),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT check_model_pricing_user_rates CHECK (
        source <> 'user' OR (input_per_1m IS NOT NULL AND output_per_1m IS NOT NULL)
    );

UPDATE model_pricing
SET source = 'document-004'
WHERE valid_from = '2024-01-01 00:00:00+00'
  AND model IN ('gpt-4o', 'gpt-4-turbo-preview', 'gpt-3.5-turbo')
  AND model_pattern IS NULL
  AND id <= 3;

-- One catalogue row per (version, provider, model, variant); one user price per model,
-- provider and start.
CREATE UNIQUE INDEX uq_model_pricing_catalogue
    ON model_pricing (source_version, catalogue_provider, catalogue_model, price_variant)
    WHERE source = 'genai-prices';

CREATE UNIQUE INDEX uq_model_pricing_user_model
    ON model_pricing (model, COALESCE(provider, ''), valid_from)
    WHERE source = 'user' AND model_pattern IS NULL;

COMMENT ON TABLE model_pricing IS
    'LLM prices in USD: the genai-prices catalogue (source genai-prices, one version per sync) and '
    'the user''s own prices (source user, pfr pricing set), which win. Append-only. Each priced call '
    'stores the id of the row it was priced with (pricing_id); a model with no price gets a NULL cost, never 0.';
COMMENT ON COLUMN model_pricing.model IS
    'Exact model name a user price applies to (case-sensitive); for a catalogue row, the catalogue''s model id.';
COMMENT ON COLUMN model_pricing.model_pattern IS
    'Optional LIKE pattern of a user price (e.g. local-llama-%): it prices models that neither an exact '
    'user price nor the catalogue prices; among patterns the longest wins.';
COMMENT ON COLUMN model_pricing.provider IS
    'For a user price: the provider it is limited to (OpenTelemetry gen_ai.provider.name), NULL for any. '
    'For a catalogue row: the catalogue provider id.';
COMMENT ON COLUMN model_pricing.input_per_1m IS
    'USD per 1 million input tokens that are neither cache reads nor cache writes (a tiered catalogue '
    'price: its base rate; the tiers are in price_data).';
COMMENT ON COLUMN model_pricing.cached_input_per_1m IS
    'USD per 1 million input tokens read from the prompt cache; NULL: billed as input_per_1m.';
COMMENT ON COLUMN model_pricing.cache_write_per_1m IS
    'USD per 1 million input tokens written to the prompt cache; NULL: billed as input_per_1m.';
COMMENT ON COLUMN model_pricing.output_per_1m IS
    'USD per 1 million output tokens, reasoning tokens included (unless price_data prices reasoning apart).';
COMMENT ON COLUMN model_pricing.valid_from IS
    'The price applies to calls made at or after this instant, until a later row for the same model.';
COMMENT ON COLUMN model_pricing.source IS
    'user (pfr pricing set; wins), genai-prices (the catalogue) or document-004 (the 2024 seed rows, retired).';
COMMENT ON COLUMN model_pricing.source_version IS 'The genai-prices version a catalogue row came from.';
COMMENT ON COLUMN model_pricing.catalogue_provider IS 'genai-prices provider id of a catalogue row (openai, anthropic, google, aws...).';
COMMENT ON COLUMN model_pricing.catalogue_model IS 'genai-prices model id of a catalogue row.';
COMMENT ON COLUMN model_pricing.price_variant IS
    'Which of the model''s conditional prices (0 for a model with one price), in catalogue order.';
COMMENT ON COLUMN model_pricing.price_condition IS
    'When a conditional catalogue price applies (from a date, or a daily UTC time window); NULL: always.';
COMMENT ON COLUMN model_pricing.price_data IS
    'The whole catalogue price as genai-prices states it, per unit (input_mtok, cache_read_mtok, '
    'cache_write_mtok, output_mtok, requests_kcount...), tiers as {"base": ..., "tiers": [{"start": '
    'tokens, "price": ...}]}: above a tier''s start (total input tokens) ALL tokens pay the tier price.';

-- Append-only: a price is history that priced calls point at.
CREATE FUNCTION pfr_model_pricing_append_only()
RETURNS TRIGGER
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'model_pricing is append-only: add a newer price (pfr pricing set) instead of % of row %',
        lower(TG_OP), OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;

COMMENT ON FUNCTION pfr_model_pricing_append_only() IS
    'Trigger function: refuses UPDATE and DELETE on model_pricing (priced calls keep pointing at their price).';

CREATE TRIGGER trg_model_pricing_append_only
    BEFORE UPDATE OR DELETE
    ON model_pricing
    FOR EACH ROW
    EXECUTE FUNCTION pfr_model_pricing_append_only();

COMMENT ON COLUMN llm_call_history.computed_cost IS
    'Cost in USD computed when the call was written (or repriced by pfr pricing reprice) from the '
    'model_pricing row pricing_id; NULL when no price covers the model or no token count is known.';
COMMENT ON COLUMN llm_call_history.pricing_id IS
    'The model_pricing row computed_cost was computed from (its source and version say where the price '
    'came from); NULL when unpriced. model_pricing is append-only, so no foreign key is needed.';
COMMENT ON COLUMN generations.computed_cost IS
    'Cost in USD computed when the generation was written (or repriced by pfr pricing reprice) from the '
    'model_pricing row pricing_id; NULL when no price covers the model or no token count is known.';
COMMENT ON COLUMN generations.pricing_id IS
    'The model_pricing row computed_cost was computed from (its source and version say where the price '
    'came from); NULL when unpriced. model_pricing is append-only, so no foreign key is needed.';
