-- Span writer: node ids for the node spans, drawn from the nodes identity sequence.
UPDATE pg_temp.pfr_span_stage
SET node_id = nextval(pg_get_serial_sequence('nodes', 'id'))
WHERE kind = 'node'
