-- Record one file a run changed, with its diff and encodings (full contents optional).
INSERT INTO file_modification_history (
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
VALUES (
    %(history_id)s,
    %(file_path)s,
    %(action)s,
    %(diff_count)s,
    %(diff_text)s,
    %(original_encoding)s,
    %(modified_encoding)s,
    %(original_content)s,
    %(modified_content)s
)
RETURNING
    id,
    created_at
