-- Row windows in arrival order per key: a moving average over the last 3
-- rows (Velostream's ROWS WINDOW BUFFER form and the standard frame), LAG
-- and ROW_NUMBER.
CREATE STREAM ticks (symbol VARCHAR, price DOUBLE, ts BIGINT)
WITH (subject = 'ticks');

CREATE STREAM moving WITH (subject = 'ticks.moving') AS
SELECT symbol, price,
       AVG(price) OVER (ROWS WINDOW BUFFER 3 ROWS PARTITION BY symbol ORDER BY ts) AS avg3,
       MAX(price) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS max3,
       LAG(price) OVER (PARTITION BY symbol ORDER BY ts) AS prev_price,
       ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY ts) AS n
FROM ticks;
