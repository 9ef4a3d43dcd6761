-- Demo data only (pfr demo): move one workflow run and everything it recorded back in
-- time by %(shift_seconds)s seconds, since the logger stamps rows with the server clock,
-- and give its nodes realistic timings: node n starts %(offsets_ms)s[n] ms after the run
-- and, if it finished, took %(durations_ms)s[n] ms; a node's generations move to the
-- middle of it. Generations may move to an older monthly partition;
-- issues/demo_partitions creates it first.
WITH run AS (
    UPDATE workflows AS w
    SET
        created_at = w.created_at - make_interval(secs => %(shift_seconds)s),
        updated_at = w.updated_at - make_interval(secs => %(shift_seconds)s),
        completed_at = CASE
            WHEN w.completed_at IS NULL THEN NULL
            ELSE w.created_at - make_interval(secs => %(shift_seconds)s)
                + make_interval(secs => %(total_ms)s / 1000.0)
        END
    WHERE w.id = %(workflow_id)s
    RETURNING
        w.id,
        w.created_at
),
moved_nodes AS (
    UPDATE nodes AS n
    SET
        created_at = run.created_at
            + make_interval(secs => (%(offsets_ms)s::INTEGER[])[n.execution_order] / 1000.0),
        started_at = run.created_at
            + make_interval(secs => (%(offsets_ms)s::INTEGER[])[n.execution_order] / 1000.0),
        duration_ms = CASE
            WHEN n.completed_at IS NULL THEN NULL
            ELSE (%(durations_ms)s::INTEGER[])[n.execution_order]
        END,
        completed_at = CASE
            WHEN n.completed_at IS NULL THEN NULL
            ELSE run.created_at
                + make_interval(secs => (%(offsets_ms)s::INTEGER[])[n.execution_order] / 1000.0)
                + make_interval(secs => (%(durations_ms)s::INTEGER[])[n.execution_order] / 1000.0)
        END
    FROM run
    WHERE n.workflow_id = run.id
    RETURNING
        n.id,
        n.started_at,
        n.duration_ms
),
moved_generations AS (
    UPDATE generations AS g
    SET created_at = COALESCE(
        (
            SELECT mn.started_at + make_interval(secs => COALESCE(mn.duration_ms, 0) / 2000.0)
            FROM moved_nodes AS mn
            WHERE mn.id = g.node_id
        ),
        g.created_at - make_interval(secs => %(shift_seconds)s)
    )
    FROM run
    WHERE g.workflow_id = run.id
    RETURNING g.id
)
SELECT
    (SELECT COUNT(*) FROM run) AS workflows,
    (SELECT COUNT(*) FROM moved_nodes) AS nodes,
    (SELECT COUNT(*) FROM moved_generations) AS generations
