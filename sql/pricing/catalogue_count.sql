-- How many prices of one genai-prices version model_pricing holds (0: not synced yet).
SELECT
    count(*) AS rows
FROM model_pricing
WHERE source = 'genai-prices'
  AND source_version = %(source_version)s
