/* Issue 15's example: counts is a changelog (EMIT CHANGES), and a query
   reading it treats it as a table: SUM(c) is the sum of the current count
   of each key (10 for 10 clicks), not the sum of every update (25). */
CREATE STREAM clicks (k VARCHAR) WITH (subject = 'clc.clicks');
CREATE STREAM counts WITH (subject = 'clc.counts') AS
SELECT k, COUNT(*) AS c FROM clicks GROUP BY k EMIT CHANGES;
CREATE STREAM total WITH (subject = 'clc.total') AS
SELECT SUM(c) AS s, COUNT(*) AS nkeys FROM counts;
