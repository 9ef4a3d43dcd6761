-- Benchmark data: %(users)s workflow users.
INSERT INTO users (username, email)
SELECT
    'bench-user-' || u.u,
    'bench-user-' || u.u || '@example.com'
FROM generate_series(1, %(users)s::INTEGER) AS u (u)
