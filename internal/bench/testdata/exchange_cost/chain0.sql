CREATE STREAM s (k VARCHAR, x BIGINT, y BIGINT) WITH (subject = 's', format = 'json');
CREATE STREAM o WITH (subject = 'o', format = 'json') AS
SELECT k, x, y FROM s WHERE x >= 0;
