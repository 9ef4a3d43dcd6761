-- get_or_create_user: insert the user unless the name exists, and return the row either way.
-- ON CONFLICT makes concurrent callers race-free. When a concurrent insert of the same
-- name commits while this statement runs, neither branch sees a row (the SELECT uses the
-- statement's snapshot); the caller then runs this query again and finds it.
WITH inserted AS (
    INSERT INTO users (username, email)
    VALUES (%(username)s, %(email)s)
    ON CONFLICT ON CONSTRAINT uq_users_username
    DO NOTHING
    RETURNING id, username, email, created_at, updated_at
)
SELECT
    inserted.id,
    inserted.username,
    inserted.email,
    inserted.created_at,
    inserted.updated_at
FROM inserted
UNION ALL
SELECT
    u.id,
    u.username,
    u.email,
    u.created_at,
    u.updated_at
FROM users AS u
WHERE u.username = %(username)s
LIMIT 1
