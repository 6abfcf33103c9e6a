/* ORDER BY … LIMIT n is a Top-N changelog: a row entering the top n is
   upserted, a row pushed out (or leaving, or deleted) is deleted with the
   row last published. Over a GROUP BY (keyed by the group key) and over a
   changelog source (keyed by its key). */
CREATE STREAM ev (k VARCHAR, v BIGINT) WITH (subject = 'cltn.ev');
CREATE STREAM top2 WITH (subject = 'cltn.top2') AS
SELECT k, SUM(v) AS s FROM ev GROUP BY k ORDER BY s DESC LIMIT 2;
CREATE STREAM m (id VARCHAR, team VARCHAR, score BIGINT)
WITH (subject = 'cltn.m', changelog = 'upsert', key = 'id');
CREATE STREAM best WITH (subject = 'cltn.best') AS SELECT id, score FROM m ORDER BY score DESC LIMIT 2;
