-- pfr pricing reprice: the next batch of generations rows (keyset on created_at, id) whose cost
-- may have changed: every call of --model, else the unpriced ones and those priced from a
-- retired price (an older catalogue version, the 2024 seed rows). Calls with no token
-- count have no cost to compute and are skipped.
SELECT
    t.id,
    t.created_at,
    t.model_name AS model,
    t.model_provider,
    t.prompt_tokens,
    t.completion_tokens,
    t.cached_input_tokens,
    t.cache_write_input_tokens,
    t.reasoning_tokens,
    t.computed_cost,
    t.pricing_id
FROM generations AS t
WHERE (t.created_at, t.id) > (%(after_at)s::timestamptz, %(after_id)s::bigint)
  AND t.created_at >= %(since)s::timestamptz
  AND t.created_at < %(until)s::timestamptz
  AND (t.prompt_tokens IS NOT NULL OR t.completion_tokens IS NOT NULL)
  AND (
        (%(model)s::text IS NOT NULL AND t.model_name = %(model)s::text)
     OR (
            %(model)s::text IS NULL
        AND (
                t.pricing_id IS NULL
             OR t.pricing_id IN (
                    SELECT mp.id
                    FROM model_pricing AS mp
                    WHERE mp.source = 'document-004'
                       OR (mp.source = 'genai-prices' AND mp.source_version <> %(version)s)
                )
            )
        )
  )
ORDER BY
    t.created_at,
    t.id
LIMIT %(batch_size)s
