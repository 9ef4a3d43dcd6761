-- start_workflow: a new run for a user, status running, with the initial state's fields
-- (the travel-planner columns when the state has them) and the whole state as JSON.
INSERT INTO workflows (
    user_id,
    status,
    user_input,
    input_type,
    time_settings,
    date_theme,
    user_intent,
    search_radius,
    state
)
VALUES (
    %(user_id)s,
    'running',
    %(user_input)s,
    %(input_type)s,
    %(time_settings)s,
    %(date_theme)s,
    %(user_intent)s,
    %(search_radius)s,
    %(state)s
)
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
