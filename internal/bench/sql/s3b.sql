-- S3b: S3a with EMIT CHANGES (Velostream scenario 3b; SPEC §5).
-- Data: as S3a.
CREATE STREAM market_data (
    trader_id  VARCHAR,
    symbol     VARCHAR,
    price      DOUBLE,
    quantity   BIGINT,
    trade_time TIMESTAMP
) WITH (subject = 'bench.s3b.in', format = 'json', event_time = 'trade_time');

CREATE STREAM s3b_out WITH (subject = 'bench.s3b.out', format = 'json') AS
SELECT trader_id, symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price,
       SUM(quantity) AS total_quantity, SUM(price * quantity) AS total_value
FROM market_data
GROUP BY trader_id, symbol, TUMBLE(trade_time, INTERVAL '1' MINUTE)
EMIT CHANGES;
