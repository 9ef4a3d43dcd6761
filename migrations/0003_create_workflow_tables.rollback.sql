-- Undo 0003 in reverse order. Indexes, constraints, sequences and every
-- partition of generations go with their table.

SET LOCAL lock_timeout = '1s';
SET LOCAL statement_timeout = '1min';

DROP TRIGGER trg_generations_price ON generations;

DROP FUNCTION pfr_price_generation();

DROP TABLE generations_default;

DROP TABLE generations;

DROP TABLE nodes;

DROP TRIGGER trg_workflows_updated_at ON workflows;

DROP TABLE workflows;

DROP TRIGGER trg_users_updated_at ON users;

DROP TABLE users;

DROP FUNCTION pfr_set_updated_at();
