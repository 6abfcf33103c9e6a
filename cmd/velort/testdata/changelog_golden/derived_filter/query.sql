/* A filter over a derived changelog, written with INSERT INTO into a
   declared stream (which becomes a changelog keyed like balances): an
   account enters overdrawn when its balance falls below 0 and is deleted
   when it rises again. A global COUNT over overdrawn counts the current
   rows (an update of a row inside the filter changes nothing; emptied, it
   keeps its row: 0). */
CREATE STREAM moves (acct VARCHAR, amt BIGINT) WITH (subject = 'cldf.moves');
CREATE STREAM balances WITH (subject = 'cldf.balances') AS
SELECT acct, SUM(amt) AS bal FROM moves GROUP BY acct;
CREATE STREAM overdrawn (acct VARCHAR, bal BIGINT) WITH (subject = 'cldf.overdrawn');
INSERT INTO overdrawn SELECT acct, bal FROM balances WHERE bal < 0;
CREATE STREAM num_overdrawn WITH (subject = 'cldf.num') AS
SELECT COUNT(*) AS n, MIN(bal) AS worst FROM overdrawn;
