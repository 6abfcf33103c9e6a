/* A global aggregate over a changelog has one row, like SQL, even when
   deletes empty it: COUNT 0 and the other aggregates NULL, an upsert (never
   a delete) of key "". A delete of a key never seen changes nothing. */
CREATE STREAM accounts (id VARCHAR, bal BIGINT)
WITH (subject = 'clg.accounts', changelog = 'upsert', key = 'id');
CREATE STREAM summary WITH (subject = 'clg.summary') AS
SELECT COUNT(*) AS n, SUM(bal) AS total, MIN(bal) AS lo, AVG(bal) AS mean, VARIANCE(bal) AS var FROM accounts;
/* With HAVING, the global row is deleted when HAVING stops holding (key ""). */
CREATE STREAM nonempty WITH (subject = 'clg.nonempty') AS
SELECT COUNT(*) AS n FROM accounts HAVING COUNT(*) > 0;
