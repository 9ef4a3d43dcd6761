-- Document 004's GET /stats/llm-cost over its v_llm_cost_daily.
SELECT *
FROM v_llm_cost_daily
WHERE date >= CURRENT_DATE - %(days)s
ORDER BY date DESC, call_type;
