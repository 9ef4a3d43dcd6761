-- Demo data only (pfr demo): move one run and everything it recorded back in time by
-- %(shift_seconds)s seconds and give the run a realistic duration, since the repository
-- stamps rows with the server clock. Each table's child rows are
-- spread evenly over the run's duration, in the order they were recorded.
-- Rows may move to an older monthly partition; issues/demo_partitions creates it first.
WITH run AS (
    UPDATE issue_processing_history AS iph
    SET
        created_at = iph.created_at - make_interval(secs => %(shift_seconds)s),
        started_at = iph.started_at - make_interval(secs => %(shift_seconds)s),
        completed_at = CASE
            WHEN iph.completed_at IS NULL THEN NULL
            ELSE iph.started_at - make_interval(secs => %(shift_seconds)s)
                + make_interval(secs => %(duration_seconds)s)
        END,
        processing_duration_seconds = CASE
            WHEN iph.completed_at IS NULL THEN NULL
            ELSE %(duration_seconds)s::INTEGER
        END
    WHERE iph.id = %(history_id)s
    RETURNING
        iph.id,
        iph.created_at
),
file_order AS (
    SELECT
        fmh.id,
        ROW_NUMBER() OVER (ORDER BY fmh.created_at, fmh.id) AS n,
        COUNT(*) OVER () + 1 AS slots
    FROM file_modification_history AS fmh
    WHERE fmh.history_id = %(history_id)s
),
files AS (
    UPDATE file_modification_history AS fmh
    SET created_at = run.created_at
        + make_interval(secs => %(duration_seconds)s::NUMERIC * file_order.n / file_order.slots)
    FROM file_order, run
    WHERE fmh.id = file_order.id
      AND fmh.history_id = run.id
    RETURNING fmh.id
),
llm_order AS (
    SELECT
        lch.id,
        ROW_NUMBER() OVER (ORDER BY lch.created_at, lch.id) AS n,
        COUNT(*) OVER () + 1 AS slots
    FROM llm_call_history AS lch
    WHERE lch.history_id = %(history_id)s
),
llm AS (
    UPDATE llm_call_history AS lch
    SET created_at = run.created_at
        + make_interval(secs => %(duration_seconds)s::NUMERIC * llm_order.n / llm_order.slots)
    FROM llm_order, run
    WHERE lch.id = llm_order.id
      AND lch.history_id = run.id
    RETURNING lch.id
),
api_order AS (
    SELECT
        bah.id,
        ROW_NUMBER() OVER (ORDER BY bah.created_at, bah.id) AS n,
        COUNT(*) OVER () + 1 AS slots
    FROM bitbucket_api_history AS bah
    WHERE bah.history_id = %(history_id)s
),
api AS (
    UPDATE bitbucket_api_history AS bah
    SET created_at = run.created_at
        + make_interval(secs => %(duration_seconds)s::NUMERIC * api_order.n / api_order.slots)
    FROM api_order, run
    WHERE bah.id = api_order.id
      AND bah.history_id = run.id
    RETURNING bah.id
)
SELECT
    (SELECT COUNT(*) FROM run) AS runs,
    (SELECT COUNT(*) FROM files) AS files,
    (SELECT COUNT(*) FROM llm) AS llm_calls,
    (SELECT COUNT(*) FROM api) AS api_calls
