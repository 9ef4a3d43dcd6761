-- Whether the session TimeZone is a whole number of hours from UTC now. The daily, weekly
-- and hourly figures are sums of UTC-hour rollups, exact only in such zones: Asia/Kolkata
-- (+05:30) or America/St_Johns (-03:30) get a warning from the repository.
SELECT
    current_setting('TimeZone') AS time_zone,
    EXTRACT(timezone_minute FROM now())::INTEGER = 0 AS whole_hours
