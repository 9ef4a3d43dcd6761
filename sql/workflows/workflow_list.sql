-- pfr workflows: latest runs, optionally of one user and one status, with node and
-- generation counts, tokens and cost (NULL when no generation is priced), and how many
-- generations are priced, unpriced (no price for the model) or of unknown usage. Each child table is aggregated on its own (LATERAL),
-- so no join multiplies the sums.
SELECT
    w.id,
    u.username,
    w.status,
    w.user_input,
    w.created_at,
    w.completed_at,
    ROUND(EXTRACT(EPOCH FROM (w.completed_at - w.created_at))::NUMERIC, 3) AS duration_seconds,
    n.node_count,
    n.failed_nodes,
    g.generation_count,
    g.total_tokens,
    g.total_cost,
    g.priced,
    g.unpriced,
    g.unknown_usage
FROM workflows AS w
JOIN users AS u
    ON u.id = w.user_id
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS node_count,
        COUNT(*) FILTER (WHERE nodes.status = 'failed') AS failed_nodes
    FROM nodes
    WHERE nodes.workflow_id = w.id
) AS n
CROSS JOIN LATERAL (
    SELECT
        COUNT(*) AS generation_count,
        SUM(generations.total_tokens) AS total_tokens,
        SUM(generations.estimated_cost) AS total_cost,
        COUNT(generations.estimated_cost) AS priced,
        COUNT(*) FILTER (
            WHERE generations.estimated_cost IS NULL
              AND (generations.prompt_tokens IS NOT NULL OR generations.completion_tokens IS NOT NULL)
        ) AS unpriced,
        COUNT(*) FILTER (
            WHERE generations.estimated_cost IS NULL
              AND generations.prompt_tokens IS NULL
              AND generations.completion_tokens IS NULL
        ) AS unknown_usage
    FROM generations
    WHERE generations.workflow_id = w.id
) AS g
WHERE (%(username)s::TEXT IS NULL OR u.username = %(username)s)
    AND (%(status)s::TEXT IS NULL OR w.status = %(status)s)
ORDER BY w.created_at DESC, w.id DESC
LIMIT %(limit)s
