-- S3b with a WebAssembly user function in the projection (over aggregates).
-- numeric.wasm is testdata/plugins/c_numeric.wasm (plugins/examples/c/numeric.c):
-- fee(price, qty) = max(1, price * qty * 0.001).
CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE
WITH (module = 'numeric.wasm', export = 'fee');

CREATE STREAM market_data (
    trader_id  VARCHAR,
    symbol     VARCHAR,
    price      DOUBLE,
    quantity   BIGINT,
    trade_time TIMESTAMP
) WITH (subject = 'bench.s3bu.in', format = 'json', event_time = 'trade_time');

CREATE STREAM s3bu_out WITH (subject = 'bench.s3bu.out', format = 'json') AS
SELECT trader_id, symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price,
       SUM(quantity) AS total_quantity, SUM(price * quantity) AS total_value,
       fee(AVG(price), SUM(quantity)) AS fee
FROM market_data
GROUP BY trader_id, symbol, TUMBLE(trade_time, INTERVAL '1' MINUTE)
EMIT CHANGES;
