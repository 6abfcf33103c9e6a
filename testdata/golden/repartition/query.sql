-- GROUP BY a column that is not the partition key, over 4 partitions: the
-- planner repartitions by the group key through NATS, so each venue's
-- result is whole, whatever partitions its records arrived on.
CREATE STREAM trades (symbol VARCHAR, venue VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'rp.trades.{partition}', partitions = 4, key = 'symbol', event_time = 'ts');

CREATE STREAM venue_totals WITH (subject = 'rp.venues') AS
SELECT venue, COUNT(*) AS trades, SUM(qty) AS volume
FROM trades
WHERE qty > 0
GROUP BY venue
EMIT FINAL;

CREATE STREAM venue_minutes WITH (subject = 'rp.venues.1m') AS
SELECT venue, window_start, SUM(qty) AS volume
FROM trades
GROUP BY venue, TUMBLE(ts, INTERVAL '1' MINUTE);
