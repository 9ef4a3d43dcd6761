-- Span writer: statistics of the freshly loaded batch. Autovacuum never analyzes temp
-- tables, and without statistics the planner guesses the batch size and picks nested
-- loops over the span ledger.
ANALYZE pg_temp.pfr_span_stage
