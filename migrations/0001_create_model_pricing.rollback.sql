-- Undo 0001 in reverse order: the pricing functions, then the pricing table
-- (its seed rows, constraints and indexes go with it).

DROP FUNCTION pfr_llm_cost(model_pricing, BIGINT, BIGINT, BIGINT);

DROP FUNCTION pfr_price_at(TEXT, TIMESTAMPTZ);

DROP TABLE model_pricing;
