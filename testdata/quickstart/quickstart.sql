-- Quickstart: trades arrive on trades.<partition>; big ones are published
-- to alerts.big with their notional value.
CREATE STREAM trades (
    symbol  VARCHAR,
    price   DOUBLE,
    qty     BIGINT,
    ts      TIMESTAMP
) WITH (
    subject    = 'trades.{partition}',
    partitions = 4,
    key        = 'symbol',
    format     = 'json',
    event_time = 'ts'
);

CREATE STREAM big_trades WITH (subject = 'alerts.big', format = 'json') AS
SELECT symbol, price, qty, price * qty AS notional, UPPER(LEFT(symbol, 2)) AS prefix
FROM trades
WHERE price * qty > 100000;
