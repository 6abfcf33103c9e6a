-- Bad records go to the dead-letter subject with the reason; the rest flow on.
CREATE STREAM trades (symbol VARCHAR, price DOUBLE, qty BIGINT, venue VARCHAR, ts TIMESTAMP)
WITH (subject = 'trades.{partition}', partitions = 4, key = 'symbol', event_time = 'ts');

CREATE STREAM notional WITH (subject = 'notional.{partition}', partitions = 2, key = 'symbol') AS
SELECT symbol, price * qty AS notional FROM trades;
