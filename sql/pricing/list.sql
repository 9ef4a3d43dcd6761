-- pfr pricing list: the prices in force: the user's own (they win) and the catalogue of
-- the installed genai-prices version, optionally for model names containing a text.
SELECT
    mp.id,
    mp.source,
    mp.source_version,
    COALESCE(mp.model_pattern, mp.model) AS model,
    mp.provider,
    mp.input_per_1m,
    mp.cached_input_per_1m,
    mp.cache_write_per_1m,
    mp.output_per_1m,
    mp.price_condition,
    COALESCE(mp.price_data::text LIKE '%%"tiers"%%', FALSE) AS tiered,
    mp.valid_from
FROM model_pricing AS mp
WHERE (mp.source = 'user' OR (mp.source = 'genai-prices' AND mp.source_version = %(version)s))
  AND (%(model)s::text IS NULL OR strpos(lower(mp.model), lower(%(model)s::text)) > 0)
  AND (%(source)s::text IS NULL OR mp.source = %(source)s::text)
ORDER BY
    (mp.source = 'user') DESC,
    mp.model,
    mp.provider,
    mp.valid_from,
    mp.id
LIMIT %(limit)s
