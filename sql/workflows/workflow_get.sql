-- One workflow run by id.
SELECT
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
FROM workflows
WHERE id = %(workflow_id)s
