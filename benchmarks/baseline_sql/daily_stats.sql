-- Document 004's GET /stats/daily over its v_processing_stats.
SELECT *
FROM v_processing_stats
WHERE date >= CURRENT_DATE - %(days)s
ORDER BY date DESC;
