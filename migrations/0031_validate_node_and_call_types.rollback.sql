-- Undo 0031: nothing to undo (a validated CHECK cannot be marked NOT VALID again, and
-- needs not be: rolling back 0030 drops it). A statement so the step is not empty.
SET lock_timeout = '1s';
SELECT 1;
