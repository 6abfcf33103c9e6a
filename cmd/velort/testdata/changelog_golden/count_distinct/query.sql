/* COUNT(DISTINCT) over a changelog keeps a count per value: retracting one of
   two occurrences keeps the value, retracting the last one removes it. */
CREATE STREAM visits (id BIGINT, page VARCHAR, who VARCHAR)
WITH (subject = 'clcd.visits', changelog = 'upsert', key = 'id');
CREATE STREAM audience WITH (subject = 'clcd.audience') AS
SELECT page, COUNT(DISTINCT who) AS people, COUNT(*) AS n FROM visits GROUP BY page;
