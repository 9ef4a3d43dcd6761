-- The model_pricing ids of one catalogue version, by genai-prices provider, model and
-- conditional price: what a priced call stores as pricing_id.
SELECT
    id,
    catalogue_provider,
    catalogue_model,
    price_variant
FROM model_pricing
WHERE source = 'genai-prices'
  AND source_version = %(source_version)s
