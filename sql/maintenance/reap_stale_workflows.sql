-- Fail workflow runs still 'running' with no recorded activity for longer than the
-- reaper's timeout: neither the workflow row nor any of its nodes changed, and no
-- generation was logged, since the cutoff. Their 'running' nodes fail with the same message.
-- The UPDATE itself picks the stale runs (no SELECT ... FOR UPDATE SKIP LOCKED first): a
-- Citus cluster refuses row locks in a query over many shards. A run its logger touches
-- meanwhile waits for our row lock, or makes us wait and then fails the updated_at test.
WITH reaped_workflows AS (
    UPDATE workflows AS w
    SET
        status = 'failed',
        error_message = %(error_message)s,
        completed_at = %(now)s::TIMESTAMPTZ
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
    RETURNING w.id
),
reaped_nodes AS (
    UPDATE nodes AS n
    SET
        status = 'failed',
        error_message = %(error_message)s,
        completed_at = %(now)s::TIMESTAMPTZ,
        -- Saturates at INTEGER's top (24.8 days) instead of failing the whole reap; the
        -- true span stays in started_at .. completed_at.
        duration_ms = LEAST(
            GREATEST(
                0,
                floor(EXTRACT(EPOCH FROM %(now)s::TIMESTAMPTZ - COALESCE(n.started_at, n.created_at)) * 1000)
            ),
            2147483647
        )::INTEGER
    FROM reaped_workflows AS stale
    WHERE n.workflow_id = stale.id
      AND n.status = 'running'
    RETURNING n.id
)
SELECT
    ARRAY(SELECT id FROM reaped_workflows ORDER BY id) AS workflow_ids,
    ARRAY(SELECT id FROM reaped_nodes ORDER BY id) AS node_ids
