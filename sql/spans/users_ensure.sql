-- Span writer: the users new workflows belong to (the exporter's or handler's username).
INSERT INTO users (username)
SELECT DISTINCT username
FROM pg_temp.pfr_span_stage
WHERE new_workflow
ON CONFLICT ON CONSTRAINT uq_users_username DO NOTHING
