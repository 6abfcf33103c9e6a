-- S3a TUMBLE of 1 minute, EMIT FINAL (the default with a window;
-- Velostream scenario 3; SPEC §5).
-- Data: trader_id='T'||(i%50), symbol='SYM'||(i%100), price=100+(i%50),
-- quantity=i%1000, trade_time=1000000+i*1000 (epoch ms).
CREATE STREAM market_data (
    trader_id  VARCHAR,
    symbol     VARCHAR,
    price      DOUBLE,
    quantity   BIGINT,
    trade_time TIMESTAMP
) WITH (subject = 'bench.s3a.in', format = 'json', event_time = 'trade_time');

CREATE STREAM s3a_out WITH (subject = 'bench.s3a.out', format = 'json') AS
SELECT trader_id, symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price,
       SUM(quantity) AS total_quantity, SUM(price * quantity) AS total_value
FROM market_data
GROUP BY trader_id, symbol, TUMBLE(trade_time, INTERVAL '1' MINUTE);
