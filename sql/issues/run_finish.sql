-- Move a processing run to completed or failed, in one statement: completed_at and
-- processing_duration_seconds come from the server clock, result_data gets a "status"
-- key (completed, no_changes or failed). The row is locked first; previous_status says
-- what it was (with its error, so a run the reaper failed can be told apart), and
-- updated is FALSE when it was not processing (nothing changed). No row at all means
-- the id does not exist.
WITH current_row AS (
    SELECT
        iph.id,
        iph.status,
        iph.error_message,
        iph.completed_at
    FROM issue_processing_history AS iph
    WHERE iph.id = %(history_id)s
    FOR UPDATE
),
updated AS (
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
    FROM current_row
    WHERE iph.id = current_row.id
      AND current_row.status = 'processing'
    RETURNING
        iph.id,
        iph.completed_at,
        iph.processing_duration_seconds
)
SELECT
    current_row.id,
    current_row.status AS previous_status,
    current_row.error_message AS previous_error,
    current_row.completed_at AS previous_completed_at,
    updated.id IS NOT NULL AS updated,
    updated.completed_at,
    updated.processing_duration_seconds
FROM current_row
LEFT JOIN updated
    ON updated.id = current_row.id
