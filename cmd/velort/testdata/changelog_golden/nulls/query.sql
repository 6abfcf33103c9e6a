/* Retraction with NULLs: aggregates skip NULL values, so a group whose
   non-NULL values are all retracted has COUNT(x) 0 and NULL SUM, AVG, MIN,
   MAX, VARIANCE (not 0), while COUNT(*) still counts its rows. */
CREATE STREAM r (id VARCHAR, g VARCHAR, x BIGINT, d DOUBLE, s VARCHAR, m DECIMAL(6,2))
WITH (subject = 'cln.r', changelog = 'upsert', key = 'id');
CREATE STREAM o WITH (subject = 'cln.o') AS
SELECT g, COUNT(*) AS n, COUNT(x) AS nx, SUM(x) AS sx, AVG(x) AS ax, MIN(x) AS lo, SUM(d) AS sd, AVG(d) AS ad,
       VARIANCE(d) AS vd, MIN(s) AS ls, MAX(s) AS hs, COUNT(DISTINCT s) AS ds, SUM(m) AS sm, STDDEV(x) AS sdx
FROM r GROUP BY g;
