/* GROUP BY without a window, EMIT FINAL, over a changelog: append-only (no
   Velort-Op), each group's row once at end of input, from the table as it
   stands then: updated rows counted once, groups emptied by deletes or moves
   absent. */
CREATE STREAM stock (id VARCHAR, wh VARCHAR, qty BIGINT)
WITH (subject = 'clfin.stock', changelog = 'upsert', key = 'id');
CREATE STREAM totals WITH (subject = 'clfin.totals') AS
SELECT wh, SUM(qty) AS total, COUNT(*) AS n FROM stock GROUP BY wh EMIT FINAL;
