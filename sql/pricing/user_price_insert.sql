-- pfr pricing set: the user's own price for one model (optionally one provider), from
-- valid_from on. It wins over the catalogue; a later row replaces it (rows are never
-- updated: model_pricing is append-only).
INSERT INTO model_pricing (
    model,
    model_pattern,
    provider,
    input_per_1m,
    cached_input_per_1m,
    cache_write_per_1m,
    output_per_1m,
    valid_from,
    source
)
VALUES (
    %(model)s,
    %(model_pattern)s,
    %(provider)s,
    %(input_per_1m)s,
    %(cached_input_per_1m)s,
    %(cache_write_per_1m)s,
    %(output_per_1m)s,
    %(valid_from)s,
    'user'
)
RETURNING
    id,
    model,
    model_pattern,
    provider,
    input_per_1m,
    cached_input_per_1m,
    cache_write_per_1m,
    output_per_1m,
    valid_from,
    source
