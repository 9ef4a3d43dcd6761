-- complete_workflow: a running run ends with its final itinerary; fields of the state that
-- nodes filled in since start_workflow (user intent, time settings, date theme) are kept,
-- and the final state replaces the stored JSON state when given.
-- statement_timestamp(), not clock_timestamp(): a Citus coordinator evaluates it once for
-- the statement, where it refuses a volatile function in an UPDATE of a distributed table.
UPDATE workflows
SET
    status = %(status)s,
    final_itinerary = %(final_itinerary)s,
    user_intent = COALESCE(%(user_intent)s, user_intent),
    time_settings = COALESCE(%(time_settings)s, time_settings),
    date_theme = COALESCE(%(date_theme)s, date_theme),
    state = COALESCE(%(state)s, state),
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
