-- HOP(slide 30s, size 1m) with EMIT CHANGES: each record emits the updated
-- row of every window it joined, and nothing is emitted at the end.
CREATE STREAM clicks (page VARCHAR, ts TIMESTAMP)
WITH (subject = 'clicks', event_time = 'ts');

CREATE STREAM page_counts WITH (subject = 'clicks.counts') AS
SELECT page, window_start, COUNT(*) AS n
FROM clicks
GROUP BY page, HOP(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE)
EMIT CHANGES;
