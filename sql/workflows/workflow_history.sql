-- get_workflow_history: a user's latest runs, newest first (idx_workflows_user_id_created_at).
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
WHERE user_id = %(user_id)s
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
