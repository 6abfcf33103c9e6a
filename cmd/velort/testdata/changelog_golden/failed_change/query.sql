/* A change whose evaluation fails (a BIGINT overflow) is dead-lettered and
   changes nothing: the key keeps its old row, in the table of last rows and
   in the aggregate (the retraction of the old row is not applied either),
   so later changes of that key retract the row it still has. */
CREATE STREAM src (id VARCHAR, g VARCHAR, v BIGINT) WITH (subject = 'clfc.src', changelog = 'upsert', key = 'id');
CREATE STREAM agg WITH (subject = 'clfc.agg') AS
SELECT g, COUNT(*) AS n, SUM(v * 1000000000) AS s FROM src GROUP BY g;
CREATE STREAM proj WITH (subject = 'clfc.proj') AS SELECT id, v * 1000000000 AS big FROM src;
