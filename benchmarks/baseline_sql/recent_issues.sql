-- Document 004's v_recent_issues, as a dashboard would read it: the latest 20.
SELECT *
FROM v_recent_issues
LIMIT %(limit)s;
