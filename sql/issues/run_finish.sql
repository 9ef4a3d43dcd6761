-- Move a processing run to completed or failed, in one statement: completed_at and
-- processing_duration_seconds come from the server clock, result_data gets a "status"
-- key (completed, no_changes or failed). The UPDATE only takes a row that is processing
-- (a concurrent finisher waits for the row lock, then finds it no longer processing);
-- previous_status says what the row was, and updated is FALSE when it was not
-- processing (nothing changed). No row at all means the id does not exist.
-- No SELECT ... FOR UPDATE: the run is found by id, and on a Citus cluster the runs are
-- distributed on issue_key, where a row lock by a non-distribution column is refused;
-- the UPDATE's own row lock is the same guarantee.
WITH updated AS (
    UPDATE issue_processing_history AS iph
    SET
        status = %(status)s,
        completed_at = now(),
        processing_duration_seconds = FLOOR(
            GREATEST(EXTRACT(EPOCH FROM now() - COALESCE(iph.started_at, iph.created_at)), 0)
        )::INTEGER,
        pr_url = COALESCE(%(pr_url)s, iph.pr_url),
        branch_name = COALESCE(%(branch_name)s, iph.branch_name),
        modified_files_count = COALESCE(%(modified_files_count)s, iph.modified_files_count),
        error_message = %(error_message)s,
        result_data = COALESCE(%(result)s::JSONB, '{}'::JSONB)
            || jsonb_build_object('status', %(result_status)s::TEXT)
    WHERE iph.id = %(history_id)s
      AND iph.status = 'processing'
    RETURNING
        iph.id,
        iph.completed_at,
        iph.processing_duration_seconds
)
-- The row as this statement's snapshot saw it (plain PostgreSQL) or as the update left
-- it (Citus runs the UPDATE first): either way an updated row was processing.
SELECT
    iph.id,
    CASE
        WHEN updated.id IS NOT NULL THEN 'processing'
        ELSE iph.status
    END AS previous_status,
    -- With the status, so a run the reaper failed can be told apart (errors.Reaped).
    iph.error_message AS previous_error,
    iph.completed_at AS previous_completed_at,
    updated.id IS NOT NULL AS updated,
    updated.completed_at,
    updated.processing_duration_seconds
FROM issue_processing_history AS iph
LEFT JOIN updated
    ON updated.id = iph.id
WHERE iph.id = %(history_id)s
