-- pfr pricing set: how many recorded calls and generations of a model (and provider) a
-- price starting at valid_from would reprice.
SELECT
    (
        SELECT count(*)
        FROM llm_call_history AS lch
        WHERE lch.model = %(model)s
          AND lch.created_at >= %(valid_from)s
          AND (%(provider)s::text IS NULL OR lch.model_provider = %(provider)s::text)
    ) AS llm_calls,
    (
        SELECT count(*)
        FROM generations AS g
        WHERE g.model_name = %(model)s
          AND g.created_at >= %(valid_from)s
          AND (%(provider)s::text IS NULL OR g.model_provider = %(provider)s::text)
    ) AS generations
