-- Benchmark data: %(per_issue)s file changes for each run with an id in %(first_id)s..%(last_id)s,
-- over about 5,100 distinct paths.
INSERT INTO file_modification_history (
    history_id,
    file_path,
    action,
    diff_count,
    diff_text,
    original_encoding,
    modified_encoding,
    created_at
)
SELECT
    iph.id,
    'src/pkg_' || ((iph.id * 7 + k.k) %% 300) || '/module_' || ((iph.id + k.k * 13) %% 17) || '.py',
    (ARRAY['modified', 'created', 'deleted'])[1 + (iph.id + k.k) %% 3],
    (iph.id + k.k) %% 120,
    '@@ -1 +1 @@',
    'utf-8',
    'utf-8',
    iph.created_at + make_interval(secs => 40 + k.k)
FROM issue_processing_history AS iph
CROSS JOIN generate_series(1, %(per_issue)s::INTEGER) AS k (k)
WHERE iph.id BETWEEN %(first_id)s AND %(last_id)s
