-- pfr pricing sync: one catalogue price (of one genai-prices version). A version already
-- loaded (by another process too) is left as it is.
INSERT INTO model_pricing (
    model,
    provider,
    input_per_1m,
    cached_input_per_1m,
    cache_write_per_1m,
    output_per_1m,
    valid_from,
    source,
    source_version,
    catalogue_provider,
    catalogue_model,
    price_variant,
    price_condition,
    price_data
)
VALUES (
    %(model)s,
    %(provider)s,
    %(input_per_1m)s,
    %(cached_input_per_1m)s,
    %(cache_write_per_1m)s,
    %(output_per_1m)s,
    %(valid_from)s,
    'genai-prices',
    %(source_version)s,
    %(catalogue_provider)s,
    %(catalogue_model)s,
    %(price_variant)s,
    %(price_condition)s,
    %(price_data)s
)
ON CONFLICT (source_version, catalogue_provider, catalogue_model, price_variant)
    WHERE source = 'genai-prices'
    DO NOTHING
