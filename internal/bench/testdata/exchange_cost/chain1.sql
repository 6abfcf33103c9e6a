CREATE STREAM s (k VARCHAR, x BIGINT, y BIGINT) WITH (subject = 's', format = 'json');
CREATE STREAM o WITH (subject = 'o', format = 'json') AS
WITH c0 AS (SELECT k, x, y FROM s WHERE x >= 0)
SELECT k, x, y FROM c0 WHERE y >= 0;
