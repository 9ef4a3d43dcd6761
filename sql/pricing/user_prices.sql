-- The user's own prices (pfr pricing set): they win over the catalogue. A small set, read
-- by every writing process every few seconds.
SELECT
    id,
    model,
    model_pattern,
    provider,
    input_per_1m,
    cached_input_per_1m,
    cache_write_per_1m,
    output_per_1m,
    valid_from
FROM model_pricing
WHERE source = 'user'
ORDER BY id
