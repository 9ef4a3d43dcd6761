-- LLM calls and generations that are unpriced: token counts came back but no price covers
-- the model at the call's time (the user's, the catalogue's) and the caller gave no cost.
-- Calls of unknown usage (no token count) are not here: they have nothing to price. Add a
-- price with `pfr pricing set MODEL ... --reprice`, or `pfr pricing sync` then
-- `pfr pricing reprice` after upgrading genai-prices.
SELECT
    'llm_call_history' AS table_name,
    model,
    model_provider AS provider,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM llm_call_history
WHERE computed_cost IS NULL
  AND provided_cost IS NULL
  AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)
GROUP BY model, model_provider
UNION ALL
SELECT
    'generations' AS table_name,
    model_name AS model,
    model_provider AS provider,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM generations
WHERE computed_cost IS NULL
  AND provided_cost IS NULL
  AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)
GROUP BY model_name, model_provider
ORDER BY calls DESC, model
LIMIT %(limit)s
