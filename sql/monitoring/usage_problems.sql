-- LLM calls recorded with a usage that could not be read cleanly (the call is kept, the
-- counts in doubt are NULL): how many per problem and model, and when it last happened.
-- A new client version or a streaming response without usage shows up here first.
SELECT
    'llm_call_history' AS table_name,
    model,
    usage_problem AS problem,
    count(*) AS calls,
    max(created_at) AS last_call
FROM llm_call_history
WHERE usage_problem IS NOT NULL
GROUP BY model, usage_problem
UNION ALL
SELECT
    'generations' AS table_name,
    model_name AS model,
    usage_problem AS problem,
    count(*) AS calls,
    max(created_at) AS last_call
FROM generations
WHERE usage_problem IS NOT NULL
GROUP BY model_name, usage_problem
ORDER BY calls DESC, model
LIMIT %(limit)s
