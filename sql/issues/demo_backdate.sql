-- Demo data only (pfr demo): move one run and everything it recorded back in time by
-- %(shift_seconds)s seconds and give the run a realistic duration, since the repository
-- stamps rows with the server clock. Child rows are spread over the run's duration.
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
    RETURNING iph.id
),
files AS (
    UPDATE file_modification_history AS fmh
    SET created_at = fmh.created_at - make_interval(secs => %(shift_seconds)s)
        + make_interval(secs => %(duration_seconds)s * random())
    WHERE fmh.history_id IN (SELECT id FROM run)
    RETURNING fmh.id
),
llm AS (
    UPDATE llm_call_history AS lch
    SET created_at = lch.created_at - make_interval(secs => %(shift_seconds)s)
        + make_interval(secs => %(duration_seconds)s * random())
    WHERE lch.history_id IN (SELECT id FROM run)
    RETURNING lch.id
),
api AS (
    UPDATE bitbucket_api_history AS bah
    SET created_at = bah.created_at - make_interval(secs => %(shift_seconds)s)
        + make_interval(secs => %(duration_seconds)s * random())
    WHERE bah.history_id IN (SELECT id FROM run)
    RETURNING bah.id
)
SELECT
    (SELECT COUNT(*) FROM run) AS runs,
    (SELECT COUNT(*) FROM files) AS files,
    (SELECT COUNT(*) FROM llm) AS llm_calls,
    (SELECT COUNT(*) FROM api) AS api_calls
