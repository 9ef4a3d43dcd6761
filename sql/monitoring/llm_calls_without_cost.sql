-- LLM calls and generations without a cost, in one scan of each table, by the word every
-- report uses (pfr doctor splits them into two sections):
--   unpriced       token counts came back but no price covers the model at the call's
--                  time (the user's, the catalogue's) and the caller gave no cost: add a
--                  price with `pfr pricing set MODEL ... --reprice`, or `pfr pricing sync`
--                  then `pfr pricing reprice` after upgrading genai-prices;
--   unknown usage  no token count came back (a streaming response without usage, a call
--                  that failed first): nothing to price; usage_problems says why when the
--                  usage could not be read.
SELECT
    'llm_call_history' AS table_name,
    CASE
        WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN 'unknown usage'
        ELSE 'unpriced'
    END AS pricing,
    model,
    model_provider AS provider,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM llm_call_history
WHERE computed_cost IS NULL
  AND provided_cost IS NULL
GROUP BY 2, model, model_provider
UNION ALL
SELECT
    'generations' AS table_name,
    CASE
        WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN 'unknown usage'
        ELSE 'unpriced'
    END AS pricing,
    model_name AS model,
    model_provider AS provider,
    count(*) AS calls,
    min(created_at) AS first_call,
    max(created_at) AS last_call
FROM generations
WHERE computed_cost IS NULL
  AND provided_cost IS NULL
GROUP BY 2, model_name, model_provider
ORDER BY calls DESC, model
LIMIT %(limit)s
