/* HAVING that stops holding deletes the group (Velort-Op: delete carrying the
   row last upserted); when it holds again the group is upserted again.
   big: over an append-only stream (a SUM that falls); teams: over a changelog
   (members move between teams and leave). */
CREATE STREAM orders (k VARCHAR, qty BIGINT) WITH (subject = 'clh.orders');
CREATE STREAM big WITH (subject = 'clh.big') AS
SELECT k, SUM(qty) AS total FROM orders GROUP BY k HAVING SUM(qty) > 10 EMIT CHANGES;

CREATE STREAM members (id VARCHAR, team VARCHAR)
WITH (subject = 'clh.members', changelog = 'upsert', key = 'id');
CREATE STREAM teams WITH (subject = 'clh.teams') AS
SELECT team, COUNT(*) AS n FROM members GROUP BY team HAVING COUNT(*) >= 2;
