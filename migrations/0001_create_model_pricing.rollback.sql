-- Undo 0001 in reverse order: the pricing functions, then the pricing table
-- (its seed rows, constraints and indexes go with it).

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP FUNCTION pfr_llm_cost(model_pricing, BIGINT, BIGINT, BIGINT);

DROP FUNCTION pfr_price_at(TEXT, TIMESTAMPTZ);

DROP TABLE model_pricing;
