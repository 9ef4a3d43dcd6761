-- LLM calls and generations with no price: no model_pricing row for the model at the
-- call's time and none given by the caller. Add the price, then re-price with
-- UPDATE ... SET model = model WHERE pricing_id IS NULL.
SELECT
    'llm_call_history' AS table_name,
    model,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM llm_call_history
WHERE pricing_id IS NULL
  AND provided_cost IS NULL
GROUP BY model
UNION ALL
SELECT
    'generations' AS table_name,
    model_name AS model,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM generations
WHERE pricing_id IS NULL
  AND provided_cost IS NULL
GROUP BY model_name
ORDER BY calls DESC, model
LIMIT %(limit)s
