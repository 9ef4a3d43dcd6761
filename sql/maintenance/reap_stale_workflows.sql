-- Fail workflow runs still 'running' with no recorded activity for longer than the reaper's
-- timeout: neither the workflow row nor any of its nodes changed, and no generation was
-- logged, since the cutoff. Their 'running' nodes fail with the same message.
WITH stale AS (
    SELECT w.id
    FROM workflows AS w
    WHERE w.status = 'running'
      AND w.updated_at < %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
      AND NOT EXISTS (
          SELECT 1
          FROM nodes AS n
          WHERE n.workflow_id = w.id
            AND GREATEST(n.created_at, n.started_at, n.completed_at)
                >= %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
      )
      AND NOT EXISTS (
          SELECT 1
          FROM generations AS g
          WHERE g.workflow_id = w.id
            AND g.created_at >= %(now)s::TIMESTAMPTZ - make_interval(secs => %(stale_after_seconds)s)
      )
    FOR UPDATE OF w SKIP LOCKED
),
reaped_workflows AS (
    UPDATE workflows AS w
    SET
        status = 'failed',
        error_message = %(error_message)s,
        completed_at = %(now)s::TIMESTAMPTZ
    FROM stale
    WHERE w.id = stale.id
    RETURNING w.id
),
reaped_nodes AS (
    UPDATE nodes AS n
    SET
        status = 'failed',
        error_message = %(error_message)s,
        completed_at = %(now)s::TIMESTAMPTZ,
        duration_ms = GREATEST(
            0,
            floor(EXTRACT(EPOCH FROM %(now)s::TIMESTAMPTZ - COALESCE(n.started_at, n.created_at)) * 1000)
        )::INTEGER
    FROM stale
    WHERE n.workflow_id = stale.id
      AND n.status = 'running'
    RETURNING n.id
)
SELECT
    ARRAY(SELECT id FROM reaped_workflows ORDER BY id) AS workflow_ids,
    ARRAY(SELECT id FROM reaped_nodes ORDER BY id) AS node_ids
