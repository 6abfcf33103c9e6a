-- TUMBLE windows with the default EMIT FINAL, out-of-order input within the
-- watermark delay, a late record dropped, and HAVING.
CREATE STREAM trades (symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'trades', key = 'symbol', event_time = 'ts', watermark_delay = '5s');

CREATE STREAM minute_bars WITH (subject = 'bars.1m') AS
SELECT symbol, window_start, window_end, COUNT(*) AS trades, SUM(qty) AS volume,
       MIN(price) AS low, MAX(price) AS high, AVG(price) AS avg_price
FROM trades
GROUP BY symbol, TUMBLE(ts, INTERVAL '1' MINUTE)
HAVING COUNT(*) >= 1;
