-- Record one file a run changed, with its diff and encodings (full contents optional).
-- The row carries its run's issue_key (the distribution column on Citus), read from the
-- run in the same statement; no row comes back when the run does not exist.
INSERT INTO file_modification_history (
    issue_key,
    history_id,
    file_path,
    action,
    diff_count,
    diff_text,
    original_encoding,
    modified_encoding,
    original_content,
    modified_content
)
SELECT
    iph.issue_key,
    iph.id,
    %(file_path)s::VARCHAR,
    %(action)s::VARCHAR,
    %(diff_count)s::INTEGER,
    %(diff_text)s::TEXT,
    %(original_encoding)s::VARCHAR,
    %(modified_encoding)s::VARCHAR,
    %(original_content)s::TEXT,
    %(modified_content)s::TEXT
FROM issue_processing_history AS iph
WHERE iph.id = %(history_id)s
RETURNING
    id,
    created_at
