-- fail_workflow and cancel_workflow: a running run ends failed or cancelled, with why.
-- statement_timestamp(), not clock_timestamp(): a Citus coordinator evaluates it once for
-- the statement, where it refuses a volatile function in an UPDATE of a distributed table.
UPDATE workflows
SET
    status = %(status)s,
    error_message = %(error_message)s,
    completed_at = statement_timestamp()
WHERE id = %(workflow_id)s
    AND status = 'running'
RETURNING
    id,
    user_id,
    status,
    user_input,
    input_type,
    time_settings,
    date_theme,
    user_intent,
    search_radius,
    final_itinerary,
    error_message,
    created_at,
    updated_at,
    completed_at,
    state
