/* A windowed GROUP BY with EMIT CHANGES is a changelog keyed by the group
   keys and the window bounds (epoch ms), joined by '|'. */
CREATE STREAM trades (sym VARCHAR, venue VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'clw.trades', event_time = 'ts');
CREATE STREAM per_minute WITH (subject = 'clw.per_minute') AS
SELECT sym, venue, window_start, COUNT(*) AS n, SUM(qty) AS vol
FROM trades GROUP BY sym, venue, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT CHANGES;
/* HAVING in a window that stops holding deletes the window's row. */
CREATE STREAM busy WITH (subject = 'clw.busy') AS
SELECT sym, window_start, SUM(qty) AS vol
FROM trades GROUP BY sym, TUMBLE(ts, INTERVAL '1' MINUTE) HAVING SUM(qty) > 3 EMIT CHANGES;
